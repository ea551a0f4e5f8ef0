"""Messages of third-party apps that ship no Simplified Chinese catalog (django-axes).

Listed here so that makemessages keeps them in our catalog, which Django consults first.
"""

from django.utils.translation import gettext_noop

AXES_MESSAGES = [
    gettext_noop("access attempt"), gettext_noop("access attempts"), gettext_noop("access failure"),
    gettext_noop("access failures"), gettext_noop("access log"), gettext_noop("access logs"),
    gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"), gettext_noop("Access lock out"), gettext_noop("Attempt Time"),
    gettext_noop("Attempt Remaining"), gettext_noop("Expires At"), gettext_noop("Failed Logins"),
    gettext_noop("Form Data"), gettext_noop("GET Data"), gettext_noop("POST Data"), gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"), gettext_noop("Locked Out"), gettext_noop("Logout Time"), gettext_noop("Meta Data"),
    gettext_noop("Path"), gettext_noop("User Agent"), gettext_noop("Username"), gettext_noop("Not set"),
    gettext_noop("Clean up expired attempts"), gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
]
