"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11), through its Python SDK.

Settings (from the environment, see jinshui/settings.py): SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY,
SMS_TENCENT_APP_ID (SmsSdkAppId), SMS_TENCENT_SIGN (the approved signature 签名), SMS_TENCENT_REGION
(default ap-guangzhou) and SMS_TEMPLATE_IDS ({template key: approved template id}, e.g. from
SMS_TEMPLATE_IDS="booking_reminder=1234567,waitlist_offer=1234568").
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import SmsRejected, SmsTemporaryError

#: Error codes after which sending the same SMS again cannot succeed.
PERMANENT_PREFIXES = (
    "InvalidParameterValue", "InvalidParameter", "UnsupportedOperation", "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.TemplateIncorrectOrUnapproved", "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.MissingTemplateToModify", "FailedOperation.ContainSensitiveWord", "AuthFailure",
    "UnauthorizedOperation",
)


def _is_permanent(code):
    return any((code or "").startswith(prefix) for prefix in PERMANENT_PREFIXES)


class TencentBackend:
    def __init__(self, client=None):
        self.app_id = getattr(settings, "SMS_TENCENT_APP_ID", "")
        self.sign = getattr(settings, "SMS_TENCENT_SIGN", "")
        if client is None:
            secret_id = getattr(settings, "SMS_TENCENT_SECRET_ID", "")
            secret_key = getattr(settings, "SMS_TENCENT_SECRET_KEY", "")
            if not (secret_id and secret_key and self.app_id and self.sign):
                raise ImproperlyConfigured(
                    "Tencent Cloud SMS needs SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, SMS_TENCENT_APP_ID and "
                    "SMS_TENCENT_SIGN.")
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111 import sms_client

            http = HttpProfile(reqTimeout=10, endpoint="sms.tencentcloudapi.com")
            client = sms_client.SmsClient(credential.Credential(secret_id, secret_key),
                                          getattr(settings, "SMS_TENCENT_REGION", "ap-guangzhou"),
                                          ClientProfile(httpProfile=http))
        self.client = client

    def send(self, phone, text, *, template_id=None, params=None):
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        if not template_id:
            raise SmsRejected("no Tencent Cloud template id for this message (SMS_TEMPLATE_IDS)")
        request = models.SendSmsRequest()
        request.SmsSdkAppId = str(self.app_id)
        request.SignName = self.sign
        request.TemplateId = str(template_id)
        request.TemplateParamSet = [str(p) for p in (params or [])]
        request.PhoneNumberSet = [phone if phone.startswith("+") else f"+86{phone}"]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = getattr(exc, "code", "") or ""
            error = f"{code}: {getattr(exc, 'message', exc)}"
            raise (SmsRejected if _is_permanent(code) else SmsTemporaryError)(error) from exc
        except (OSError, ValueError) as exc:  # network trouble
            raise SmsTemporaryError(str(exc)) from exc
        statuses = list(getattr(response, "SendStatusSet", None) or [])
        if not statuses:
            raise SmsTemporaryError("empty answer from Tencent Cloud SMS")
        status = statuses[0]
        if status.Code != "Ok":
            error = f"{status.Code}: {status.Message}"
            raise (SmsRejected if _is_permanent(status.Code) else SmsTemporaryError)(error)
        return status.SerialNo
