from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("ranking/<int:pk>/", views.ranking_row, name="ranking-row"),
    path("ranking/export/", views.ranking_export, name="ranking-export"),
    path("units/<str:kind>/<int:pk>/", views.unit, name="unit"),
    path("scores/", views.scores, name="scores-now"),
    path("scores/<str:quarter>/", views.scores, name="scores"),
    path("scores/<str:quarter>/<str:kind>/<int:pk>/", views.score_unit, name="score-unit"),
    path("quarters/<str:quarter>/<str:action>/", views.quarter_action, name="quarter-action"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection-new"),
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("interviews/", views.interviews, name="interviews"),
    path("interviews/<int:pk>/", views.interview, name="interview"),
    path("year/", views.year, name="year-now"),
    path("year/<int:year>/", views.year, name="year"),
]
