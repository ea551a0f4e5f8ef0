from django.urls import path

from . import views

app_name = "learn"

urlpatterns = [
    path("", views.home, name="home"),
    path("lessons/<int:pk>/", views.lesson, name="lesson"),
    path("practice/<int:topic_pk>/", views.practice, name="practice"),
    path("contests/<int:pk>/", views.contest, name="contest"),
    path("contests/<int:pk>/start/", views.contest_start, name="start"),
    path("contests/<int:pk>/paper/", views.paper, name="paper"),
]
