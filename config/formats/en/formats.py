"""English dates as Noel's English-speaking users in Europe read them: day before month, 24-hour clock
("7 Dec 2026, 21:04", "07/12/2026 21:04"), not Django's American defaults ("Dec. 7, 2026, 9:04 p.m.",
"12/07/2026"). Only how dates are shown changes; what forms accept stays Django's (ISO dates first)."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday, as in the campaign calendar
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
