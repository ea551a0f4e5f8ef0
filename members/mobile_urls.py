from django.urls import path

from .selfservice import views as mobile_views

app_name = "party"

urlpatterns = [
    path("", mobile_views.party_home, name="home"),
    path("link/", mobile_views.party_link, name="link"),
    path("quizzes/<int:pk>/", mobile_views.quiz_take, name="quiz"),
    path("attempts/<int:pk>/", mobile_views.attempt_result, name="attempt"),
    path("record/", mobile_views.my_record, name="record"),
    path("development/", mobile_views.my_development, name="development"),
]
