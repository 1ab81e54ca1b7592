"""Column names and the decoding of Statlog German Credit attribute codes.

Written from the dataset's own documentation (UCI `german.doc`, Hofmann 1994): attribute
numbers, names and the meaning of every code A11 … A202. Attribute 9 mixes sex and
marital status in a way that cannot be separated (see REFERENCES.md, Grömping 2019).
"""

from __future__ import annotations

# The 20 attributes in file order, then the class column.
COLUMNS: tuple[str, ...] = (
    "checking_status",          # 1  qualitative
    "duration_months",          # 2  numerical
    "credit_history",           # 3  qualitative
    "purpose",                  # 4  qualitative
    "credit_amount",            # 5  numerical (DM)
    "savings",                  # 6  qualitative
    "employment_since",         # 7  qualitative
    "installment_rate",         # 8  ordinal code 1-4 (german.doc calls it a percentage)
    "personal_status_sex",      # 9  qualitative
    "other_debtors",            # 10 qualitative
    "residence_since",          # 11 numerical
    "property",                 # 12 qualitative
    "age_years",                # 13 numerical
    "other_installment_plans",  # 14 qualitative
    "housing",                  # 15 qualitative
    "existing_credits",         # 16 numerical
    "job",                      # 17 qualitative
    "dependents",               # 18 numerical (people liable to provide maintenance)
    "telephone",                # 19 qualitative
    "foreign_worker",           # 20 qualitative
    "class",                    # 1 = good, 2 = bad
)

NUMERIC_COLUMNS: tuple[str, ...] = (
    "duration_months",
    "credit_amount",
    "installment_rate",
    "residence_since",
    "age_years",
    "existing_credits",
    "dependents",
)

CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(
    c for c in COLUMNS if c not in NUMERIC_COLUMNS and c != "class"
)

# The target after decoding: "good" or "bad" credit risk.
TARGET = "risk"
CLASS_LABELS = {"1": "good", "2": "bad"}

CODE_MEANINGS: dict[str, dict[str, str]] = {
    "checking_status": {
        "A11": "< 0 DM",
        "A12": "0 to < 200 DM",
        "A13": ">= 200 DM or salary assigned for at least 1 year",
        "A14": "no checking account",
    },
    "credit_history": {
        "A30": "no credits taken / all credits paid back duly",
        "A31": "all credits at this bank paid back duly",
        "A32": "existing credits paid back duly till now",
        "A33": "delay in paying off in the past",
        "A34": "critical account / other credits existing (not at this bank)",
    },
    "purpose": {
        "A40": "car (new)",
        "A41": "car (used)",
        "A42": "furniture/equipment",
        "A43": "radio/television",
        "A44": "domestic appliances",
        "A45": "repairs",
        "A46": "education",
        "A47": "vacation",
        "A48": "retraining",
        "A49": "business",
        "A410": "others",
    },
    "savings": {
        "A61": "< 100 DM",
        "A62": "100 to < 500 DM",
        "A63": "500 to < 1000 DM",
        "A64": ">= 1000 DM",
        "A65": "unknown / no savings account",
    },
    "employment_since": {
        "A71": "unemployed",
        "A72": "< 1 year",
        "A73": "1 to < 4 years",
        "A74": "4 to < 7 years",
        "A75": ">= 7 years",
    },
    "personal_status_sex": {
        "A91": "male: divorced/separated",
        "A92": "female: divorced/separated/married",
        "A93": "male: single",
        "A94": "male: married/widowed",
        "A95": "female: single",
    },
    "other_debtors": {
        "A101": "none",
        "A102": "co-applicant",
        "A103": "guarantor",
    },
    "property": {
        "A121": "real estate",
        "A122": "building society savings agreement / life insurance",
        "A123": "car or other",
        "A124": "unknown / no property",
    },
    "other_installment_plans": {
        "A141": "bank",
        "A142": "stores",
        "A143": "none",
    },
    "housing": {
        "A151": "rent",
        "A152": "own",
        "A153": "for free",
    },
    "job": {
        "A171": "unemployed / unskilled, non-resident",
        "A172": "unskilled, resident",
        "A173": "skilled employee / official",
        "A174": "management / self-employed / highly qualified",
    },
    "telephone": {
        "A191": "none",
        "A192": "yes, registered under the customer's name",
    },
    "foreign_worker": {
        "A201": "yes",
        "A202": "no",
    },
}

# The documented caveat that must travel with any breakdown by attribute 9.
ATTRIBUTE_9_CAVEAT = (
    "Attribute 9 ('personal status and sex') mixes sex and marital status; according to "
    "Grömping (2019, Beuth University report 4/2019, quoted by the UCI repository) the "
    "Statlog coding 'suffers from severe errors' and sex cannot be recovered from it. "
    "A breakdown by sex from this data is not trustworthy."
)

# Prevalence: the rows are a stratified sample, not the bank's population (UCI page for South
# German Credit, REFERENCES.md): 300 bad and 700 good credits, the bank granted all of them, and
# bad credits were heavily oversampled against an actual share of around 5%.
SAMPLE_PREVALENCE_NOTE = (
    "The 1,000 rows are a stratified sample of credits the bank granted in 1973-75 (300 bad, "
    "700 good; UCI page for South German Credit): bad credits are heavily oversampled (the "
    "actual share was around 5%) and declined applicants are not in the data."
)

# Reported, not verified against a source the project holds: keep the wording "reported".
CODING_DIRECTION_CAVEAT = (
    "As reported for Grömping's corrected South German Credit data (Grömping 2019, report "
    "4/2019), 'foreign_worker' (attribute 20) and the number of people liable to provide "
    "maintenance (attribute 18, 'dependents') are coded opposite to the UCI file's german.doc; "
    "we could not verify this, so the labels here follow german.doc and a breakdown by either "
    "column may have its groups the wrong way round."
)
