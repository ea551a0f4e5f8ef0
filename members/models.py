"""Every model of the members app, by topic (one Django app: the tables and migrations stay those of `members`).

Django loads the models through this module; the topic modules are where they live and where new code
imports them from."""

from .records.models import (  # noqa: F401
    BirthdayGreeting,
    Education,
    Gender,
    Member,
    MemberCategory,
    MemberStatus,
    PersonalDataReveal,
    RegistrationConflict,
)
from .development.models import (  # noqa: F401
    Candidate,
    DevelopmentStage,
    DevelopmentStep,
    FilingStatus,
    StageFiling,
    StepRecord,
)
from .points.models import (  # noqa: F401
    PointCategory,
    PointEntry,
)
from .transfers.models import (  # noqa: F401
    Transfer,
    TransferStatus,
)
from .orglife.models import (  # noqa: F401
    Attendance,
    ComplianceSnapshot,
    DutyDone,
    DutyItem,
    Frequency,
    Meeting,
    MeetingKind,
)
from .dues.models import (  # noqa: F401
    DuesKind,
    DuesPayment,
    DuesReview,
)
from .training.models import (  # noqa: F401
    QUIZ_MAX_ATTEMPTS,
    Choice,
    Enrolment,
    Question,
    Quiz,
    QuizAttempt,
    SignIn,
    TrainingClass,
)
from .selfservice.models import (  # noqa: F401
    CandidateAccount,
    MemberAccount,
)
from .imports.models import (  # noqa: F401
    ImportKind,
    ImportStatus,
    MemberImport,
)
