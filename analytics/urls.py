"""The analytics pages: tests, a test's page and its actions, usage, the case files."""

from django.urls import path, register_converter

from analytics.converters import LookupKeyConverter
from analytics.views import case_file, test_page, tests, usage

register_converter(LookupKeyConverter, "lookup_key")

urlpatterns = [
    path("tests/", tests.tests_index, name="tests-index"),
    path(
        "tests/<lookup_key:lookup_key>/trust.json", test_page.trust_chart, name="test-chart-trust"
    ),
    path(
        "tests/<lookup_key:lookup_key>/labels.json",
        test_page.labels_chart,
        name="test-chart-labels",
    ),
    path(
        "tests/<lookup_key:lookup_key>/threshold/", test_page.set_threshold, name="test-threshold"
    ),
    path(
        "tests/<lookup_key:lookup_key>/dismissals/",
        test_page.dismiss_window,
        name="test-dismiss-window",
    ),
    path(
        "tests/<lookup_key:lookup_key>/compare/<int:first_id>/<int:second_id>/",
        test_page.compare,
        name="test-compare",
    ),
    path(
        "tests/<lookup_key:lookup_key>/case-files.zip",
        case_file.test_case_files,
        name="test-case-files",
    ),
    # Last of a test's URLs: a lookup key may hold a slash, so this would match the others.
    path("tests/<lookup_key:lookup_key>/", test_page.test_page, name="test-page"),
    path("attempts/<int:attempt_id>/case-file.zip", case_file.case_file, name="case-file"),
    path("usage/", usage.usage, name="usage"),
]
