"""factory_boy factories: each builds a valid object with realistic Rwandan defaults."""

from datetime import date

import factory

from maternal.models import Facility, Location, Mother, Pregnancy, Reporter, Staff, expected_delivery_date


class LocationFactory(factory.django.DjangoModelFactory[Location]):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:08d}")
    name = factory.Sequence(lambda n: f"Place {n}")
    level = Location.Level.VILLAGE


def location_tree(suffix: str = "1") -> dict[str, Location]:
    """A province > district > sector > cell > village chain with codes like the national ones."""
    province = LocationFactory.create(code=f"{suffix}", name=f"Province {suffix}", level="province")
    district = LocationFactory.create(
        code=f"{suffix}01", name=f"District {suffix}", level="district", parent=province
    )
    district.district = district
    district.save()
    sector = LocationFactory.create(
        code=f"{suffix}0101", name=f"Sector {suffix}", level="sector", parent=district, district=district
    )
    sector.sector = sector
    sector.save()
    cell = LocationFactory.create(
        code=f"{suffix}010101",
        name=f"Cell {suffix}",
        level="cell",
        parent=sector,
        district=district,
        sector=sector,
    )
    village = LocationFactory.create(
        code=f"{suffix}01010101",
        name=f"Village {suffix}",
        level="village",
        parent=cell,
        district=district,
        sector=sector,
    )
    return {"province": province, "district": district, "sector": sector, "cell": cell, "village": village}


class FacilityFactory(factory.django.DjangoModelFactory[Facility]):
    class Meta:
        model = Facility
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{100 + n}")
    name = factory.Sequence(lambda n: f"Health centre {n}")
    kind = Facility.Kind.HEALTH_CENTRE
    location = factory.LazyFunction(lambda: location_tree()["village"])


class ReporterFactory(factory.django.DjangoModelFactory[Reporter]):
    class Meta:
        model = Reporter

    phone = factory.Sequence(lambda n: f"+25078{n:07d}")
    name = factory.Faker("name")
    national_id = "1198570012345678"
    facility = factory.SubFactory(FacilityFactory)
    village = factory.LazyAttribute(lambda reporter: reporter.facility.location)
    language = "en"
    status = Reporter.Status.ACTIVE


class StaffFactory(factory.django.DjangoModelFactory[Staff]):
    class Meta:
        model = Staff

    phone = factory.Sequence(lambda n: f"+25072{n:07d}")
    name = factory.Faker("name")
    role = Staff.Role.MIDWIFE
    facility = factory.SubFactory(FacilityFactory)
    district = factory.LazyAttribute(lambda staff: staff.facility.district if staff.facility else None)
    on_duty = True
    language = "en"


class MotherFactory(factory.django.DjangoModelFactory[Mother]):
    class Meta:
        model = Mother

    identifier = factory.Sequence(lambda n: f"1199{n % 10}7{n:010d}")
    id_kind = Mother.IdKind.NATIONAL
    facility = factory.SubFactory(FacilityFactory)
    village = factory.LazyAttribute(lambda mother: mother.facility.location)


class PregnancyFactory(factory.django.DjangoModelFactory[Pregnancy]):
    class Meta:
        model = Pregnancy

    reporter = factory.SubFactory(ReporterFactory)
    mother = factory.SubFactory(
        MotherFactory,
        facility=factory.SelfAttribute("..reporter.facility"),
        village=factory.SelfAttribute("..reporter.village"),
    )
    facility = factory.SelfAttribute("reporter.facility")
    village = factory.SelfAttribute("reporter.village")
    last_menstrual_period = date(2026, 8, 1)
    expected_delivery_date = factory.LazyAttribute(lambda p: expected_delivery_date(p.last_menstrual_period))
    gravidity = 2
    parity = 1
    registered_on = date(2026, 10, 1)
