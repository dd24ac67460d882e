"""The CSV imports (``import_facilities``, ``import_staff``, ``import_reporters``), the demo
fixtures and ``create_demo_admin``."""

from io import StringIO
from pathlib import Path
from textwrap import dedent

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from maternal.models import Facility, Location, Reporter, Staff
from tests.factories import FacilityFactory, LocationFactory, ReporterFactory, location_tree

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FACILITY_HEADER = "code,name,kind,village_code,parent_code\n"
STAFF_HEADER = "phone,name,role,facility_code,district,on_duty,language\n"
REPORTER_HEADER = "phone,name,national_id,village_code,facility_code,language\n"


def run(command: str, path: Path) -> str:
    out = StringIO()
    call_command(command, str(path), stdout=out)
    return out.getvalue()


def run_csv(command: str, tmp_path: Path, header: str, rows: str) -> str:
    path = tmp_path / f"{command}.csv"
    path.write_text(header + dedent(rows).lstrip())
    return run(command, path)


@pytest.fixture
def places() -> dict[str, Location]:
    """Province 1 > District 101 > Sector 10101 > Cell 1010101 > Village 101010101."""
    return location_tree("1")


@pytest.fixture
def centre(places) -> Facility:
    return FacilityFactory(code="201", name="Muhoza Health Centre", location=places["village"])


def second_cell(places: dict[str, Location]) -> Location:
    """Another cell of the same sector, with one village (101010201)."""
    cell = LocationFactory(
        code="1010102",
        name="Cell 2",
        level="cell",
        parent=places["sector"],
        district=places["district"],
        sector=places["sector"],
    )
    LocationFactory(
        code="101010201",
        name="Village 2",
        level="village",
        parent=cell,
        district=places["district"],
        sector=places["sector"],
    )
    return cell


# --- facilities ----------------------------------------------------------------------------


FACILITIES = """
    300,Ruhengeri Hospital,hospital,101010101,
    301,Muhoza Health Centre,health_centre,101010101,300
    302,Kabaya Health Post,health_post,101010101,301
"""


def test_importing_facilities_twice_creates_them_once(tmp_path, places):
    first = run_csv("import_facilities", tmp_path, FACILITY_HEADER, FACILITIES)
    second = run_csv("import_facilities", tmp_path, FACILITY_HEADER, FACILITIES)

    assert first.splitlines()[-1] == "created 3, updated 0, rejected 0"
    assert second.splitlines()[-1] == "created 0, updated 3, rejected 0"
    assert Facility.objects.count() == 3
    assert Facility.objects.get(code="302").parent.code == "301"


def test_each_imported_line_is_reported_with_its_line_number(tmp_path, places):
    output = run_csv("import_facilities", tmp_path, FACILITY_HEADER, FACILITIES)

    assert output.splitlines()[:2] == [
        "line 2: created Ruhengeri Hospital (300)",
        "line 3: created Muhoza Health Centre (301)",
    ]


def test_an_unknown_village_is_rejected_and_the_other_lines_still_import(tmp_path, places):
    output = run_csv(
        "import_facilities",
        tmp_path,
        FACILITY_HEADER,
        """
        301,Muhoza Health Centre,health_centre,101010101,
        302,Cyuve Health Centre,health_centre,999999999,
        """,
    )

    assert "line 3: rejected: unknown village code 999999999" in output
    assert output.splitlines()[-1] == "created 1, updated 0, rejected 1"
    assert list(Facility.objects.values_list("code", flat=True)) == ["301"]


def test_a_line_with_a_nul_character_is_rejected_and_the_other_lines_still_import(tmp_path, places):
    """A NUL (from a file saved by a broken tool) cannot be stored in PostgreSQL text: the line is
    refused with its number, not a traceback that stops the import half-way."""
    output = run_csv(
        "import_facilities",
        tmp_path,
        FACILITY_HEADER,
        """
        301,Muhoza\x00 Health Centre,health_centre,101010101,
        302,Cyuve Health Centre,health_centre,101010101,
        """,
    )

    assert "line 2: rejected: a NUL character (a broken file?)" in output
    assert output.splitlines()[-1] == "created 1, updated 0, rejected 1"
    assert list(Facility.objects.values_list("code", flat=True)) == ["302"]


def test_a_rejected_line_changes_nothing_of_an_existing_facility(tmp_path, centre):
    output = run_csv(
        "import_facilities",
        tmp_path,
        FACILITY_HEADER,
        "201,Renamed Health Centre,health_centre,101010101,999\n",
    )

    assert "line 2: rejected: unknown parent facility code 999" in output
    centre.refresh_from_db()
    assert centre.name == "Muhoza Health Centre"


def test_a_health_centre_cannot_refer_to_a_health_post(tmp_path, places):
    output = run_csv(
        "import_facilities",
        tmp_path,
        FACILITY_HEADER,
        """
        302,Kabaya Health Post,health_post,101010101,
        301,Muhoza Health Centre,health_centre,101010101,302
        """,
    )

    assert "line 3: rejected: a health_centre cannot refer to the health post 302" in output


def test_a_facility_code_repeated_in_the_file_is_rejected_the_second_time(tmp_path, places):
    output = run_csv(
        "import_facilities",
        tmp_path,
        FACILITY_HEADER,
        """
        301,Muhoza Health Centre,health_centre,101010101,
        301,Muhoza HC,health_centre,101010101,
        """,
    )

    assert "line 3: rejected: code 301 is already on line 2" in output
    assert Facility.objects.get(code="301").name == "Muhoza Health Centre"


def test_a_health_centre_alone_in_its_sector_serves_every_cell_of_the_sector(tmp_path, places):
    other_cell = second_cell(places)

    run_csv(
        "import_facilities",
        tmp_path,
        FACILITY_HEADER,
        "301,Muhoza Health Centre,health_centre,101010101,\n",
    )

    served = set(Facility.objects.get(code="301").served_cells.all())
    assert served == {places["cell"], other_cell}


def test_centres_sharing_a_sector_serve_only_the_cells_of_their_villages(tmp_path, places):
    other_cell = second_cell(places)

    run_csv(
        "import_facilities",
        tmp_path,
        FACILITY_HEADER,
        """
        301,Muhoza Health Centre,health_centre,101010101,
        302,Cyuve Health Centre,health_centre,101010201,
        """,
    )

    assert list(Facility.objects.get(code="301").served_cells.all()) == [places["cell"]]
    assert list(Facility.objects.get(code="302").served_cells.all()) == [other_cell]


def test_a_file_with_wrong_headers_is_refused(tmp_path, places):
    path = tmp_path / "facilities.csv"
    path.write_text("code,name,type,village\n301,Muhoza,health_centre,101010101\n")

    with pytest.raises(CommandError, match="missing: kind, village_code, parent_code"):
        run("import_facilities", path)

    assert not Facility.objects.exists()


def test_a_header_in_another_order_and_case_is_accepted(tmp_path, places):
    output = run_csv(
        "import_facilities",
        tmp_path,
        "Name,Code,Kind,Village_Code,Parent_Code\n",
        "Muhoza Health Centre,301,health_centre,101010101,\n",
    )

    assert output.splitlines()[-1] == "created 1, updated 0, rejected 0"


# --- staff ---------------------------------------------------------------------------------


STAFF = """
    +250788430101,Habimana Emmanuel,midwife,201,,true,rw
    +250788430103,Ingabire Alice,in_charge,201,,yes,en
    +250788439001,Uwimana Claudine,district_official,,District 1,1,fr
"""


def test_importing_staff_twice_creates_them_once(tmp_path, centre):
    first = run_csv("import_staff", tmp_path, STAFF_HEADER, STAFF)
    second = run_csv("import_staff", tmp_path, STAFF_HEADER, STAFF)

    assert first.splitlines()[-1] == "created 3, updated 0, rejected 0"
    assert second.splitlines()[-1] == "created 0, updated 3, rejected 0"
    assert Staff.objects.count() == 3


@pytest.mark.parametrize("written", ["0788123456", "250788123456", "+250788123456"])
def test_staff_phones_are_stored_in_e164_however_they_are_written(tmp_path, centre, written):
    run_csv("import_staff", tmp_path, STAFF_HEADER, f"{written},Uwera Claire,nurse,201,,,\n")

    assert Staff.objects.get().phone.as_e164 == "+250788123456"


def test_staff_of_a_facility_belong_to_its_district(tmp_path, centre, places):
    run_csv("import_staff", tmp_path, STAFF_HEADER, STAFF)

    assert Staff.objects.get(phone="+250788430101").district == places["district"]


@pytest.mark.parametrize("district", ["District 1", "district 1", "101"])
def test_a_district_official_is_found_by_district_name_or_code(tmp_path, places, district):
    run_csv(
        "import_staff",
        tmp_path,
        STAFF_HEADER,
        f"+250788439001,Uwimana Claudine,district_official,,{district},true,en\n",
    )

    official = Staff.objects.get()
    assert (official.district, official.facility) == (places["district"], None)


def test_a_district_official_without_a_district_is_rejected(tmp_path, places):
    output = run_csv(
        "import_staff",
        tmp_path,
        STAFF_HEADER,
        "+250788439001,Uwimana Claudine,district_official,,,true,en\n",
    )

    assert "line 2: rejected: a district official needs a district" in output
    assert not Staff.objects.exists()


@pytest.mark.parametrize(
    ("written", "on_duty"), [("true", True), ("1", True), ("Yes", True), ("", True), ("no", False)]
)
def test_on_duty_is_read_from_the_usual_words(tmp_path, centre, written, on_duty):
    run_csv("import_staff", tmp_path, STAFF_HEADER, f"0788123456,Uwera,nurse,201,,{written},\n")

    assert Staff.objects.get().on_duty is on_duty


def test_every_problem_of_a_staff_line_is_listed_in_one_rejection(tmp_path, places):
    output = run_csv("import_staff", tmp_path, STAFF_HEADER, "07881,Uwera,surgeon,999,,maybe,de\n")

    assert output.splitlines()[0] == (
        "line 2: rejected: invalid phone number 07881; "
        "unknown role surgeon, expected one of midwife, nurse, in_charge, maternity_on_call, "
        "district_official; unknown facility code 999; "
        "on_duty must be true/false, 1/0 or yes/no, not maybe; "
        "unknown language de, expected one of en, fr, rw"
    )


def test_a_maternity_on_call_must_work_at_a_hospital(tmp_path, centre):
    row = "0788123456,Uwera,maternity_on_call,201,,,\n"

    output = run_csv("import_staff", tmp_path, STAFF_HEADER, row)

    assert "line 2: rejected: a maternity_on_call cannot work at the health centre 201" in output


# --- volunteers ----------------------------------------------------------------------------


REPORTERS = """
    0722430101,Mukandayisenga Vestine,1198270003917037,101010101,201,rw
    250722430102,Nyiraneza Speciose,,101010101,201,
"""


def test_importing_reporters_twice_creates_them_once(tmp_path, centre):
    first = run_csv("import_reporters", tmp_path, REPORTER_HEADER, REPORTERS)
    second = run_csv("import_reporters", tmp_path, REPORTER_HEADER, REPORTERS)

    assert first.splitlines()[-1] == "created 2, updated 0, rejected 0"
    assert second.splitlines()[-1] == "created 0, updated 2, rejected 0"
    assert Reporter.objects.count() == 2


def test_imported_reporters_are_active_volunteers(tmp_path, centre):
    run_csv("import_reporters", tmp_path, REPORTER_HEADER, REPORTERS)

    volunteer = Reporter.objects.get(phone="+250722430101")
    assert volunteer.status == Reporter.Status.ACTIVE
    assert volunteer.approved_at is not None
    assert (volunteer.facility, volunteer.village.code) == (centre, "101010101")


def test_a_pending_volunteer_listed_in_the_file_becomes_active(tmp_path, centre):
    ReporterFactory(phone="+250722430101", facility=centre, status=Reporter.Status.PENDING)

    output = run_csv("import_reporters", tmp_path, REPORTER_HEADER, REPORTERS)

    assert "line 2: updated Mukandayisenga Vestine +250722430101" in output
    assert Reporter.objects.get(phone="+250722430101").status == Reporter.Status.ACTIVE


def test_an_unknown_facility_is_rejected_with_its_line_and_reason(tmp_path, centre):
    output = run_csv(
        "import_reporters",
        tmp_path,
        REPORTER_HEADER,
        """
        0722430101,Mukandayisenga Vestine,,101010101,201,rw
        0722430102,Nyiraneza Speciose,,101010101,201,rw
        0722430103,Uwizeye Providence,,101010101,999,rw
        """,
    )

    assert "line 4: rejected: unknown facility code 999" in output
    assert output.splitlines()[-1] == "created 2, updated 0, rejected 1"
    assert not Reporter.objects.filter(phone="+250722430103").exists()


def test_a_line_with_too_many_values_is_rejected(tmp_path, centre):
    output = run_csv(
        "import_reporters",
        tmp_path,
        REPORTER_HEADER,
        "0722430101,Mukandayisenga,Vestine,,101010101,201,rw\n",
    )

    assert "line 2: rejected: 7 values, expected 6" in output
    assert not Reporter.objects.exists()


def test_a_national_id_that_is_not_16_digits_is_rejected(tmp_path, centre):
    output = run_csv(
        "import_reporters", tmp_path, REPORTER_HEADER, "0722430101,Uwase,11982,101010101,201,rw\n"
    )

    assert "line 2: rejected: national_id 11982 is not 16 digits" in output


# --- demo fixtures and the demo admin ------------------------------------------------------


def test_the_demo_fixtures_import_without_rejections_after_loading_locations():
    call_command("load_locations", stdout=StringIO())

    summaries = [
        run(f"import_{name}", FIXTURES / f"{name}.csv").splitlines()[-1]
        for name in ("facilities", "staff", "reporters")
    ]

    assert [summary.endswith("rejected 0") for summary in summaries] == [True, True, True]
    assert Facility.objects.count() == 14
    assert Staff.objects.filter(on_duty=True).count() == Staff.objects.count() == 28


def test_every_demo_volunteer_lives_in_a_cell_their_health_centre_serves():
    call_command("load_locations", stdout=StringIO())
    for name in ("facilities", "staff", "reporters"):
        run(f"import_{name}", FIXTURES / f"{name}.csv")

    for volunteer in Reporter.objects.select_related("village", "facility"):
        assert volunteer.facility.served_cells.filter(pk=volunteer.village.parent_id).exists()


def test_create_demo_admin_creates_a_superuser_who_can_log_in(settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("create_demo_admin", stdout=out)

    user = authenticate(username="admin", password="umubyeyi-demo")
    assert user is not None and user.is_superuser and user.is_staff
    assert "username admin, password umubyeyi-demo" in out.getvalue()


def test_create_demo_admin_resets_a_changed_password(settings):
    settings.DEBUG = True
    call_command("create_demo_admin", stdout=StringIO())
    user = get_user_model().objects.get(username="admin")
    user.set_password("something-else")
    user.save()

    call_command("create_demo_admin", stdout=StringIO())

    assert authenticate(username="admin", password="umubyeyi-demo") == user
    assert get_user_model().objects.count() == 1


def test_create_demo_admin_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("create_demo_admin", stdout=StringIO())

    assert not get_user_model().objects.exists()
