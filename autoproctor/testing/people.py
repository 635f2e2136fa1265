"""Who sits the simulated tests, and which tests: the vocabulary of the synthetic data.

Names come from several languages, with their letters (Zoë, Łukasz, 李雷) as a candidate would
type them into a test platform; e-mail addresses are their ASCII spelling on reserved example
domains, so nothing here belongs to a real person.
"""

from __future__ import annotations

# (display, ascii) pairs. `family_first` puts the family name first, joined by `joiner` (李雷,
# Nguyễn Văn An); otherwise "given family".
NAME_POOLS = [
    {
        "given": [("Zoë", "zoe"), ("Renée", "renee"), ("Léa", "lea"), ("Noël", "noel")],
        "family": [("Müller", "mueller"), ("Dupont", "dupont"), ("Lefèvre", "lefevre")],
    },
    {
        "given": [("Łukasz", "lukasz"), ("Agnieszka", "agnieszka"), ("Paweł", "pawel")],
        "family": [("Nowak", "nowak"), ("Wiśniewski", "wisniewski"), ("Kowalczyk", "kowalczyk")],
    },
    {
        "given": [("雷", "lei"), ("芳", "fang"), ("伟", "wei"), ("静", "jing")],
        "family": [("李", "li"), ("王", "wang"), ("张", "zhang"), ("陈", "chen")],
        "family_first": True,
        "joiner": "",
    },
    {
        "given": [("Søren", "soren"), ("Åsa", "asa"), ("Bjørn", "bjorn")],
        "family": [("Ødegård", "odegard"), ("Lindqvist", "lindqvist"), ("Hansen", "hansen")],
    },
    {
        "given": [("José", "jose"), ("Ana María", "anamaria"), ("Íñigo", "inigo")],
        "family": [("Álvarez", "alvarez"), ("Núñez", "nunez"), ("García", "garcia")],
    },
    {
        "given": [
            ("Aroha", "aroha"),
            ("Chidi", "chidi"),
            ("Priya", "priya"),
            ("Mohammed", "mohammed"),
        ],
        "family": [("Ngata", "ngata"), ("Okeke", "okeke"), ("Raghunathan", "raghunathan")],
    },
    {
        "given": [
            ("Emma", "emma"),
            ("Liam", "liam"),
            ("Olivia", "olivia"),
            ("Noah", "noah"),
            ("Ava", "ava"),
            ("James", "james"),
            ("Sophie", "sophie"),
            ("Jack", "jack"),
        ],
        "family": [
            ("Smith", "smith"),
            ("O'Brien", "obrien"),
            ("Johnson", "johnson"),
            ("Taylor", "taylor"),
            ("Brown", "brown"),
            ("Williams", "williams"),
        ],
    },
    {
        "given": [("Văn An", "van.an"), ("Thị Mai", "thi.mai"), ("Minh Khoa", "minh.khoa")],
        "family": [("Nguyễn", "nguyen"), ("Trần", "tran")],
        "family_first": True,
        "joiner": " ",
    },
]
# English-speaking names dominate, as they would for a typical customer; weights match NAME_POOLS.
NAME_POOL_WEIGHTS = [2, 2, 2, 1, 2, 2, 8, 1]

EMAIL_DOMAINS = ["example.edu", "students.example.ac.uk", "example.org", "example.com"]

# (lookup key, id prefix, typical minutes, relative popularity)
TESTS = [
    ("algebra-final-2026", "ALG26", 90, 5),
    ("biology-midterm", "BIO", 60, 4),
    ("english-b2-placement", "ENGB2", 45, 4),
    ("data-privacy-training", "DPT", 20, 3),
    ("intro-python-quiz", "PYQ", 30, 3),
    ("nursing-licensure-mock", "NLM", 75, 2),
]

DEVICES = [("desktop", 80), ("mobile", 11), ("tablet", 6), (None, 3)]

# Enhanced features, each adding 4 credits to an attempt (AutoProctor's pricing).
FEATURES = ["session-recording", "aux-device", "id-card-check", "impersonation-detection"]
