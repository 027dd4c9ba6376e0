"""Strava's activities.csv in the languages Strava writes it: column names, month names, activity types.

Strava localizes the export to the account's language: the headers (`Aktivitäts-ID`, `Datum der Aktivität`…),
the dates (`3. Dez. 2026, 07:12:33`), the first set of figures (`Distanz` in km with a decimal comma) and the
activity types (`Lauf`, `Radfahrt`). Everything here is a table, so another language is rows, not code. Names
are compared after `key`: case, accents, spaces and punctuation do not matter. The German names come from
public parsers of real German exports; the other languages' are Strava's own words for these fields in its
interface, not yet checked against a real export of that language (docs/imports.md says so).
"""

from __future__ import annotations

import unicodedata

# canonical (English) column -> its names in each language
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "Activity ID": {
        "en": ("Activity ID",),
        "de": ("Aktivitäts-ID", "Aktivitäts ID"),
        "fr": ("ID de l'activité", "ID d'activité"),
        "es": ("ID de actividad", "ID de la actividad"),
        "it": ("ID attività", "ID dell'attività"),
        "nl": ("Activiteits-ID", "Activiteit-ID"),
        "pt": ("ID da atividade", "ID de atividade"),
    },
    "Activity Date": {
        "en": ("Activity Date",),
        "de": ("Datum der Aktivität", "Aktivitätsdatum"),
        "fr": ("Date de l'activité",),
        "es": ("Fecha de la actividad", "Fecha de actividad"),
        "it": ("Data attività", "Data dell'attività"),
        "nl": ("Activiteitsdatum", "Datum activiteit"),
        "pt": ("Data da atividade",),
    },
    "Activity Name": {
        "en": ("Activity Name",),
        "de": ("Aktivitätsname", "Name der Aktivität"),
        "fr": ("Nom de l'activité",),
        "es": ("Nombre de la actividad", "Nombre de actividad"),
        "it": ("Nome attività", "Nome dell'attività"),
        "nl": ("Activiteitsnaam", "Naam activiteit"),
        "pt": ("Nome da atividade",),
    },
    "Activity Type": {
        "en": ("Activity Type",),
        "de": ("Aktivitätsart", "Aktivitätstyp", "Sportart"),
        "fr": ("Type d'activité",),
        "es": ("Tipo de actividad",),
        "it": ("Tipo di attività", "Tipo attività"),
        "nl": ("Activiteitstype", "Type activiteit"),
        "pt": ("Tipo de atividade",),
    },
    "Elapsed Time": {
        "en": ("Elapsed Time",),
        "de": ("Verstrichene Zeit", "Gesamtzeit"),
        "fr": ("Temps écoulé",),
        "es": ("Tiempo transcurrido",),
        "it": ("Tempo trascorso",),
        "nl": ("Verstreken tijd",),
        "pt": ("Tempo decorrido",),
    },
    "Moving Time": {
        "en": ("Moving Time",),
        "de": ("Bewegungszeit",),
        "fr": ("Temps de déplacement", "Temps en mouvement"),
        "es": ("Tiempo en movimiento",),
        "it": ("Tempo in movimento",),
        "nl": ("Beweegtijd", "Tijd in beweging"),
        "pt": ("Tempo em movimento",),
    },
    "Distance": {
        "en": ("Distance",),
        "de": ("Distanz", "Entfernung Strecke"),
        "fr": ("Distance",),
        "es": ("Distancia",),
        "it": ("Distanza",),
        "nl": ("Afstand",),
        "pt": ("Distância",),
    },
    "Elevation Gain": {
        "en": ("Elevation Gain",),
        "de": ("Höhenzunahme", "Höhenmeter"),
        "fr": ("Dénivelé positif",),
        "es": ("Desnivel positivo", "Ganancia de elevación"),
        "it": ("Dislivello positivo",),
        "nl": ("Hoogteverschil", "Hoogtewinst"),
        "pt": ("Ganho de elevação",),
    },
    "Average Heart Rate": {
        "en": ("Average Heart Rate",),
        "de": ("Durchschnittliche Herzfrequenz",),
        "fr": ("Fréquence cardiaque moyenne",),
        "es": ("Frecuencia cardiaca media", "Frecuencia cardíaca media", "Frecuencia cardiaca promedio"),
        "it": ("Frequenza cardiaca media",),
        "nl": ("Gemiddelde hartslag",),
        "pt": ("Frequência cardíaca média",),
    },
    "Max Heart Rate": {
        "en": ("Max Heart Rate",),
        "de": ("Max. Herzfrequenz", "Maximale Herzfrequenz"),
        "fr": ("Fréquence cardiaque max.", "Fréquence cardiaque maximale"),
        "es": ("Frecuencia cardiaca máxima", "Frecuencia cardíaca máxima"),
        "it": ("Frequenza cardiaca massima", "Frequenza cardiaca max"),
        "nl": ("Max. hartslag", "Maximale hartslag"),
        "pt": ("Frequência cardíaca máxima",),
    },
    "Filename": {
        "en": ("Filename",),
        "de": ("Dateiname",),
        "fr": ("Nom du fichier", "Nom de fichier"),
        "es": ("Nombre del archivo", "Nombre de archivo"),
        "it": ("Nome file", "Nome del file"),
        "nl": ("Bestandsnaam",),
        "pt": ("Nome do arquivo", "Nome do ficheiro"),
    },
}
REQUIRED = ("Activity ID", "Activity Date", "Activity Type")
DECIMAL_COMMA = frozenset({"de", "fr", "es", "it", "nl", "pt"})  # "10,5" is ten and a half in these
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")

# month number -> its names (full and abbreviated) in every language above; compared after `key`
MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "januar", "janvier", "janv", "enero", "ene", "gennaio", "gen", "januari", "janeiro"),
    2: ("february", "feb", "februar", "février", "févr", "fév", "febrero", "febbraio", "februari", "fevereiro", "fev"),
    3: ("march", "mar", "märz", "mär", "mars", "marzo", "maart", "mrt", "março", "mrz"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile"),
    5: ("may", "mai", "mayo", "maggio", "mag", "mei", "maio"),
    6: ("june", "jun", "juni", "juin", "junio", "giugno", "giu", "junho"),
    7: ("july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho"),
    8: ("august", "aug", "août", "aout", "agosto", "ago", "augustus"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "settembre", "set", "setembro"),
    10: ("october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "out"),
    11: ("november", "nov", "novembre", "noviembre", "novembro"),
    12: ("december", "dec", "dezember", "dez", "décembre", "déc", "diciembre", "dic", "dicembre", "dezembro"),
}

# a localized Strava activity type -> Strava's English type (which `sports.sport_type` reads)
LOCALIZED_TYPES: dict[str, str] = {
    # German
    "Lauf": "Run",
    "Laufen": "Run",
    "Traillauf": "TrailRun",
    "Virtueller Lauf": "VirtualRun",
    "Radfahrt": "Ride",
    "Radfahren": "Ride",
    "Virtuelle Radfahrt": "VirtualRide",
    "E-Bike-Fahrt": "EBikeRide",
    "Mountainbike-Fahrt": "MountainBikeRide",
    "Gravel-Fahrt": "GravelRide",
    "Schwimmen": "Swim",
    "Spaziergang": "Walk",
    "Gehen": "Walk",
    "Wanderung": "Hike",
    "Wandern": "Hike",
    "Krafttraining": "WeightTraining",
    "Gewichtheben": "WeightTraining",
    "Rudern": "Rowing",
    # French
    "Course à pied": "Run",
    "Course": "Run",
    "Trail": "TrailRun",
    "Vélo": "Ride",
    "Sortie à vélo": "Ride",
    "Vélo virtuel": "VirtualRide",
    "Vélo électrique": "EBikeRide",
    "VTT": "MountainBikeRide",
    "Natation": "Swim",
    "Marche": "Walk",
    "Randonnée": "Hike",
    "Entraînement aux poids": "WeightTraining",
    "Musculation": "WeightTraining",
    "Aviron": "Rowing",
    # Spanish
    "Carrera": "Run",
    "Carrera virtual": "VirtualRun",
    "Carrera por montaña": "TrailRun",
    "Bicicleta": "Ride",
    "Ciclismo": "Ride",
    "Bicicleta virtual": "VirtualRide",
    "Natación": "Swim",
    "Caminata": "Walk",
    "Excursión": "Hike",
    "Senderismo": "Hike",
    "Entrenamiento con pesas": "WeightTraining",
    "Remo": "Rowing",
    # Italian
    "Corsa": "Run",
    "Corsa virtuale": "VirtualRun",
    "Giro in bici": "Ride",
    "Giro in bici virtuale": "VirtualRide",
    "Ciclismo virtuale": "VirtualRide",
    "Nuoto": "Swim",
    "Camminata": "Walk",
    "Escursione": "Hike",
    "Allenamento con i pesi": "WeightTraining",
    "Canottaggio": "Rowing",
    # Dutch
    "Hardlopen": "Run",
    "Hardloopsessie": "Run",
    "Fietsrit": "Ride",
    "Fietsen": "Ride",
    "Virtuele fietsrit": "VirtualRide",
    "Zwemmen": "Swim",
    "Wandeling": "Walk",
    "Wandelen": "Walk",
    "Krachttraining": "WeightTraining",
    "Roeien": "Rowing",
    # Portuguese
    "Corrida": "Run",
    "Corrida virtual": "VirtualRun",
    "Pedalada": "Ride",
    "Pedalada virtual": "VirtualRide",
    "Natação": "Swim",
    "Caminhada": "Walk",
    "Trilha": "Hike",
    "Treino com pesos": "WeightTraining",
    "Musculação": "WeightTraining",
}


def key(text: str) -> str:
    """`text` compared loosely: accents dropped, lower case, letters and digits only ('Aktivitäts-ID' -> 'aktivitatsid')."""
    plain = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff"))
    return "".join(c for c in plain.casefold() if c.isalnum() and not unicodedata.combining(c))


_HEADER_KEYS: dict[str, tuple[str, frozenset[str]]] = {}
for _canonical, _by_language in HEADERS.items():
    for _language, _names in _by_language.items():
        for _name in _names:
            _known = _HEADER_KEYS.get(key(_name), (_canonical, frozenset()))
            _HEADER_KEYS[key(_name)] = (_canonical, _known[1] | {_language})
MONTH_KEYS: dict[str, int] = {key(name): month for month, names in MONTHS.items() for name in names}
_TYPE_KEYS: dict[str, str] = {key(name): english for name, english in LOCALIZED_TYPES.items()}


def header_column(name: str) -> tuple[str, frozenset[str]] | None:
    """(canonical column, languages using that name) of a header cell, or None when it is not a column read."""
    return _HEADER_KEYS.get(key(name))


def english_type(strava_type: str) -> str:
    """Strava's English type for a localized one ('Lauf' -> 'Run'); the text itself when not in the table."""
    return _TYPE_KEYS.get(key(strava_type), strava_type)
