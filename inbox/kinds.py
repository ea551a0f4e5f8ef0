"""Which channels each kind of message takes: the one table.

Every message goes to the recipient's in-app inbox. A kind listed here may also go out by e-mail and by SMS,
each unless the person turned that channel off for the kind's topic (inbox.models.ContactPreference) or has no
address for it. A kind not listed goes to the inbox only.

SMS texts are short Chinese templates with numbered parameters ({1}, {2}, …), as the provider's templates are:
the provider (Tencent Cloud SMS) sends its own approved template, named by id in settings.SMS_TEMPLATE_IDS
under the same template key, with the same parameters; the development backends send the text below.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

INBOX, EMAIL, SMS = "inbox", "email", "sms"

#: Topics a person may turn channels off for, with their labels on the preferences page.
TOPICS = {
    "bookings": _("Room bookings and waitlist offers"),
    "party": _("My party membership: political birthday, development steps"),
    "learning": _("Learning and knowledge contests"),
    "work": _("Work: deadlines, inspections, interviews"),
    "account": _("Account security"),
}


@dataclass(frozen=True)
class Kind:
    topic: str
    channels: tuple = (INBOX,)
    #: Key of the SMS template (settings.SMS_TEMPLATE_IDS and SMS_TEXTS below).
    sms_template: str = ""
    #: Sent at any hour (a code the person just asked for); everything else waits for the end of quiet hours.
    urgent: bool = False
    #: Exempt from the per-phone rate limits (nothing, by default).
    unlimited: bool = False


KINDS = {
    # service centers
    "booking_confirmed": Kind("bookings", (INBOX, EMAIL)),
    "booking_rejected": Kind("bookings", (INBOX, EMAIL, SMS), sms_template="booking_rejected"),
    "booking_staff_cancelled": Kind("bookings", (INBOX, EMAIL, SMS), sms_template="booking_cancelled"),
    "booking_pending": Kind("bookings", (INBOX,)),
    "booking_reminder": Kind("bookings", (INBOX, EMAIL, SMS), sms_template="booking_reminder"),
    "waitlist_offer": Kind("bookings", (INBOX, EMAIL, SMS), sms_template="waitlist_offer"),
    # member work
    "members.political_birthday": Kind("work", (INBOX, EMAIL)),
    "members.birthday_greeting": Kind("party", (INBOX, SMS), sms_template="birthday_greeting"),
    "members.development_deadline": Kind("work", (INBOX, EMAIL, SMS), sms_template="development_deadline"),
    "members.my_development_deadline": Kind("party", (INBOX, SMS), sms_template="my_development_deadline"),
    "members.duty_reminder": Kind("work", (INBOX, EMAIL)),
    # assessment
    "assessment.interview_suggestion": Kind("work", (INBOX, EMAIL)),
    "assessment.quarter_unscored": Kind("work", (INBOX, EMAIL)),
    "assessment.interview_notice": Kind("work", (INBOX, EMAIL, SMS), sms_template="interview_notice"),
    "assessment.action_due": Kind("work", (INBOX, EMAIL, SMS), sms_template="interview_action"),
    "assessment.action_overdue": Kind("work", (INBOX, EMAIL, SMS), sms_template="interview_action"),
    "assessment.inspection_reminder": Kind("work", (INBOX, EMAIL)),
    "assessment.rectification_due": Kind("work", (INBOX, EMAIL, SMS), sms_template="rectification_due"),
    "assessment.overdue": Kind("work", (INBOX, EMAIL, SMS), sms_template="rectification_overdue"),
    # learning
    "learning.contest_open": Kind("learning", (INBOX, SMS), sms_template="contest_open"),
    # the preferences page
    "inbox.phone_code": Kind("account", (SMS,), sms_template="phone_code", urgent=True),
}

DEFAULT = Kind("work", (INBOX,))

#: The Chinese texts of the SMS templates (the provider adds the signature 【…】 itself).
SMS_TEXTS = {
    "booking_rejected": "您预约的{1}未通过审核，详情请查看站内消息。",
    "booking_cancelled": "您预约的{1}已被服务中心取消，详情请查看站内消息。",
    "booking_reminder": "温馨提醒：您预约的{1}将于明天开始，请按时到场。",
    "waitlist_offer": "您候补的{1}现已空出，先到先得，请尽快登录预约。",
    "birthday_greeting": "{1}同志：今天是您的政治生日，您已入党{2}年。不忘初心，牢记使命！",
    "development_deadline": "{1}的发展步骤“{2}”须于{3}前完成，请及时办理。",
    "my_development_deadline": "{1}：您的入党发展步骤“{2}”须于{3}前完成，请与支部联系。",
    "interview_notice": "您单位在{1}考核排名中靠后，上级将进行约谈，详情请查看站内消息。",
    "rectification_due": "您辖区有督查发现的问题须于{1}内整改到位，详情请查看站内消息。",
    "rectification_overdue": "您辖区有督查问题已超过整改期限（{1}），请尽快整改，详情请查看站内消息。",
    "interview_action": "{1}：约谈整改事项“{2}”须于{3}前完成。",
    "contest_open": "知识竞赛“{1}”已开始，截止{2}，欢迎参加。",
    "phone_code": "您的验证码为{1}，10分钟内有效。如非本人操作，请忽略本短信。",
}


def kind_of(name):
    """The channel rule of a message kind (inbox only when the kind is not listed)."""
    return KINDS.get(name, DEFAULT)


def sms_text(template, params):
    """The Chinese text of an SMS template with its parameters filled in."""
    text = SMS_TEXTS[template]
    for number, value in enumerate(params or (), start=1):
        text = text.replace("{%d}" % number, str(value))
    return text
