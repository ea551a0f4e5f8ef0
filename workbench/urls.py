from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.workbench, name="index"),
    path("tree/", views.tree, name="tree"),
    path("tree/<int:pk>/", views.tree, name="tree-node"),
]
