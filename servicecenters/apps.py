from django.apps import AppConfig


class ServicecentersConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'servicecenters'
