"""Every SMS code the volunteers type, as data: one table per group, with labels in rw/en/fr.

A country changes its codes here and nowhere else. The meaning of a code is scoped by its group
(`nt` is "no toilet" in `toilet` and "fast breathing" in `danger_newborn`); each keyword's grammar
says which groups it reads.

Labels are sent in SMS replies, so they use only GSM 03.38 letters (é è à ù are fine; ê ô ç,
°, curly quotes and ligatures are not: write "oedeme", "C" for degrees).

The Kinyarwanda (rw) labels need review by a native speaker. The danger-sign, ambulance, visit-round
and hand-washing labels are the national system's names (docs/glossary.md), shortened so that an
alert with two danger signs still fits one SMS.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Code:
    code: str
    group: str
    labels: dict[str, str] = field(hash=False)
    aliases: tuple[str, ...] = ()


# Each row: "code [aliases...]", English, French, Kinyarwanda.
_TABLES: dict[str, list[tuple[str, str, str, str]]] = {
    "place": [
        ("ho", "at home", "à domicile", "mu rugo"),
        ("or", "on the way", "en route", "mu nzira"),
        ("hc cl", "at a health centre", "au centre de santé", "ku kigo nderabuzima"),
        ("hp", "at a hospital", "à l'hopital", "ku bitaro"),
    ],
    "previous_risk": [
        ("gs", "previous caesarean", "césarienne antérieure", "yigeze kubagwa"),
        ("mu", "multiple pregnancy", "grossesse multiple", "atwite impanga"),
        ("hd", "previous home delivery", "accouchement à domicile avant", "yigeze kubyarira mu rugo"),
        ("rm", "repeated miscarriage", "fausses couches répétées", "inda zavuyemo kenshi"),
        ("ol", "older than 35", "plus de 35 ans", "arengeje imyaka 35"),
        ("yg", "younger than 18", "moins de 18 ans", "ari munsi y'imyaka 18"),
        ("kx", "previous convulsions", "convulsions antérieures", "yigeze kugagara"),
        ("yj", "previous serious condition", "maladie grave antérieure", "yigeze kurwara bikomeye"),
        ("lz", "previous haemorrhage", "hémorragie antérieure", "yigeze kuva amaraso menshi"),
        ("nr", "no previous risk", "aucun risque antérieur", "nta kibazo yagize mbere"),
    ],
    "symptom": [
        ("vo", "vomiting", "vomissements", "kuruka"),
        ("pc", "pneumonia", "pneumonie", "umusonga"),
        ("oe", "oedema", "oedeme", "kubyimba"),
        ("ns", "neck stiffness", "raideur de la nuque", "kugagara ijosi"),
        ("ma", "malaria", "paludisme", "malariya"),
        ("ja", "jaundice", "jaunisse", "umuhondo"),
        ("fp", "flaccid paralysis", "paralysie flasque", "ingingo zinaniwe"),
        ("fe", "fever", "fièvre", "umuriro"),
        ("ds", "chronic disease", "maladie chronique", "indwara idakira"),
        ("di", "diarrhoea", "diarrhée", "impiswi"),
        ("sa", "severe anaemia", "anémie sévère", "kubura amaraso bikabije"),
        ("rb", "rapid breathing", "respiration rapide", "guhumeka vuba"),
        ("hy", "hypothermia", "hypothermie", "ubukonje bukabije"),
        ("ch", "cough", "toux", "inkorora"),
        ("af", "abnormal fontanelle", "fontanelle anormale", "igihorihori kidasanzwe"),
        ("np", "no problem", "aucun problème", "nta kibazo"),
    ],
    "danger_pregnancy": [
        ("ap", "acute abdominal pain", "forte douleur abdominale", "ububabare bwo mu nda"),
        ("co", "convulsions", "convulsions", "kugagara"),
        ("he", "haemorrhage", "hémorragie", "kuva amaraso"),
        ("la", "labour at home", "travail à domicile", "ibise mu rugo"),
        ("mc", "miscarriage in progress", "fausse couche en cours", "inda iri kuvamo"),
        ("pa", "premature contractions", "contractions prématurées", "ibise bitaragera"),
        ("ps", "labour after a caesarean", "travail après césarienne", "ibise nyuma yo kubagwa"),
        ("sc", "serious condition", "état grave", "ikibazo gikomeye"),
        ("sl", "heart stopped in labour", "arret cardiaque (travail)", "umutima wahagaze ku bise"),
        ("un", "unconscious", "inconsciente", "yataye ubwenge"),
        (
            "shb",
            "severe headache/blurred vision",
            "céphalées/vision floue",
            "umutwe/ibicyezicyezi",
        ),
        ("sfh", "swollen feet and hands", "pieds et mains enflés", "kubyimba ibirenge/ibiganza"),
    ],
    "danger_postpartum": [
        ("cop", "convulsions or unconscious", "convulsions ou inconsciente", "kugagara/guta ubwenge"),
        ("hfp", "high fever", "forte fièvre", "umuriro mwinshi"),
        ("sbp", "severe bleeding", "saignement abondant", "kuva amaraso menshi"),
        (
            "shp",
            "severe headache/blurred vision",
            "céphalées/vision floue",
            "umutwe/ibicyezicyezi",
        ),
        ("bsp", "foul vaginal discharge", "pertes malodorantes", "ibisanza binuka"),
    ],
    "danger_newborn": [
        ("con", "convulsions", "convulsions", "kugagara"),
        ("wu", "weak/unresponsive", "faible/ne réagit pas", "nta ntege/ntiyumva"),
        ("hbt", "temperature above 37.5 C", "température > 37.5 C", "ubushyuhe (>37.5 C)"),
        ("lbt", "temperature below 35.5 C", "température < 35.5 C", "ubukonje (<35.5 C)"),
        ("nt", "fast breathing", "respiration rapide", "guhumeka insigane"),
        ("cdg", "chest in-drawing/gasping", "tirage thoracique", "icyena mu rubavu"),
        ("ys", "yellow soles", "plantes des pieds jaunes", "ibirenge by'umuhondo"),
        ("nuf rsb", "not feeding", "ne tète pas", "ntiyonka"),
        ("iuc", "infected cord", "cordon infecté", "amashyira ku nkondo"),
        ("ncb ucb", "cord bleeding", "cordon qui saigne", "kuva amaraso kw'inkondo"),
        ("rv", "repeated vomiting", "vomissements répétés", "kuruka kenshi"),
        ("ads", "distended abdomen, no stool 24 h", "ventre gonflé, sans selles 24 h", "inda yabyimbye"),
        ("nsc", "non-stop crying", "pleurs incessants", "kurira bidahagarara"),
        ("nbf", "bulging fontanelle", "fontanelle bombée", "igihorihori kibyimbye"),
        ("sp", "skin pustules", "pustules sur la peau", "utubyimba tw'amashyira"),
        ("nhe", "haemorrhage", "hémorragie", "kuva amaraso"),
    ],
    "intervention": [
        ("aa", "advice by the volunteer", "conseil de l'agent", "inama y'umujyanama"),
        ("pr", "referred", "référée", "yoherejwe kwa muganga"),
        ("pt", "treated", "traitée", "yavuwe"),
        ("tr", "treated then referred", "traitée puis référée", "yavuwe akoherezwa"),
    ],
    "ambulance": [
        ("al", "ambulance late", "ambulance en retard", "ambilansi yatinze"),
        ("at", "ambulance on time", "ambulance à l'heure", "ambilansi yahageze ku gihe"),
        ("na", "no ambulance", "pas d'ambulance", "ambilansi ntiyaje"),
    ],
    "status": [
        ("mw", "mother well", "mère en bonne santé", "umubyeyi ameze neza"),
        ("ms", "mother sick", "mère malade", "umubyeyi ararwaye"),
        ("cw", "child well", "enfant en bonne santé", "umwana ameze neza"),
        ("cs", "child sick", "enfant malade", "umwana ararwaye"),
    ],
    "sex": [
        ("bo", "boy", "masculin", "umuhungu"),
        ("gi", "girl", "féminin", "umukobwa"),
    ],
    "newborn_sign": [
        ("np", "no problem", "aucun problème", "nta kibazo"),
        ("pm", "premature", "prématuré", "yavutse igihe kitageze"),
        ("cm", "congenital malformation", "malformation congénitale", "yavukanye ubumuga"),
        ("ci", "cord infection", "infection du cordon", "urureri rwanduye"),
        ("rb", "rapid breathing", "respiration rapide", "guhumeka vuba"),
        ("af", "abnormal fontanelle", "fontanelle anormale", "igihorihori kidasanzwe"),
        ("sb", "stillborn", "mort-né", "yavutse apfuye"),
        ("ib", "cleft lip/palate", "fente labiale/palatine", "ibibari"),
        ("db", "disability", "handicap", "ubumuga"),
    ],
    "breastfeeding": [
        ("bf1", "breastfed in the first hour", "allaité dans la 1re heure", "yonse mu isaha ya mbere"),
        ("nb", "not breastfed", "non allaité", "ntiyonse"),
    ],
    "death": [
        ("md", "maternal death", "décès maternel", "urupfu rw'umubyeyi"),
        ("sbd", "stillbirth", "mort-né", "umwana yavutse apfuye"),
        ("mcc", "completed miscarriage", "fausse couche complète", "inda yavuyemo"),
        ("nd", "newborn death", "décès néonatal", "urupfu rw'uruhinja"),
        ("cd", "child death", "décès d'enfant", "urupfu rw'umwana"),
    ],
    "toilet": [
        ("to", "has a toilet", "a des toilettes", "afite ubwiherero"),
        ("nt", "no toilet", "pas de toilettes", "nta bwiherero"),
    ],
    "handwashing": [
        ("hw", "has hand-washing", "a un lave-mains", "afite kandagira ukarabe"),
        ("nh", "no hand-washing", "pas de lave-mains", "nta kandagira ukarabe"),
    ],
    "pnc_facility": [
        ("yego", "PNC1 at a facility", "CPoN1 au centre de santé", "yego"),
        ("oya", "PNC1 not at a facility", "CPoN1 hors centre de santé", "oya"),
    ],
    "anc_round": [
        ("anc2", "ANC contact 2", "CPN 2", "yipimishije inshuro ya 2"),
        ("anc3", "ANC contact 3", "CPN 3", "yipimishije inshuro ya 3"),
        ("anc4", "ANC contact 4", "CPN 4", "yipimishije inshuro ya 4"),
    ],
    "pnc_round": [
        ("pnc1", "postnatal contact 1", "CPoN 1", "gusura umubyeyi bwa mbere"),
        ("pnc2", "postnatal contact 2", "CPoN 2", "gusura umubyeyi bwa kabiri"),
        ("pnc3", "postnatal contact 3", "CPoN 3", "gusura umubyeyi bwa gatatu"),
        ("pnc4", "postnatal contact 4", "CPoN 4", "gusura umubyeyi bwa kane"),
        ("pnc5", "postnatal contact 5", "CPoN 5", "gusura umubyeyi bwa gatanu"),
    ],
}

GROUPS = tuple(_TABLES)
DANGER_SIGN_GROUPS = ("danger_pregnancy", "danger_postpartum", "danger_newborn")

#: Reply languages and the spellings volunteers type for them.
LANGUAGES: dict[str, str] = {
    "rw": "rw",
    "kin": "rw",
    "en": "en",
    "eng": "en",
    "fr": "fr",
    "fra": "fr",
}


def _build() -> tuple[dict[str, list[Code]], dict[tuple[str, str], Code]]:
    by_group: dict[str, list[Code]] = {}
    index: dict[tuple[str, str], Code] = {}
    for group, rows in _TABLES.items():
        for spellings, english, french, kinyarwanda in rows:
            code, *aliases = spellings.split()
            entry = Code(code, group, {"rw": kinyarwanda, "en": english, "fr": french}, tuple(aliases))
            by_group.setdefault(group, []).append(entry)
            for spelling in (code, *aliases):
                index[group, spelling] = entry
    return by_group, index


_BY_GROUP, _INDEX = _build()


def lookup(group_or_groups: str | Iterable[str], token: str) -> Code | None:
    """The code `token` means in the first of the groups that knows it (aliases resolve to the
    canonical code), or None. Raises KeyError for a group that does not exist (a typo)."""
    groups = (group_or_groups,) if isinstance(group_or_groups, str) else group_or_groups
    spelling = token.lower()
    for group in groups:
        if group not in _BY_GROUP:
            raise KeyError(group)
        found = _INDEX.get((group, spelling))
        if found is not None:
            return found
    return None


def codes_in(group: str) -> list[Code]:
    return list(_BY_GROUP[group])


def label(code: str, group: str, language: str) -> str:
    """The words for a code in a reply language (English when the language has no label)."""
    entry = lookup(group, code)
    if entry is None:
        raise KeyError(f"{group}:{code}")
    return entry.labels.get(language, entry.labels["en"])
