"""The open học bạ document model: records, catalogs, schema, canonical form and digest.

Plain Python, no Django: any vendor can use it to produce or read records.
"""

from hocba.spec.canonical import canonical_json, pretty_json, record_data, record_digest
from hocba.spec.catalog import GradeCatalog, RatingSpec, SubjectSpec, grade_catalog
from hocba.spec.io import Problem, RecordProblems, load_record, validate_record
from hocba.spec.models import (
    SCHEMA_VERSION,
    Absences,
    AdministrativeUnit,
    Commendation,
    CommendationKind,
    Completion,
    Guardian,
    Health,
    OverallResult,
    PeriodResult,
    PlannedSigner,
    Promotion,
    PromotionDecision,
    Rating,
    RatingLevel,
    Record,
    School,
    Sex,
    Student,
    StudyHistoryRow,
    SubjectLevel,
    SubjectResult,
    SupplementaryAssessment,
    SupplementarySubject,
)
from hocba.spec.roles import SIGNING_ORDER, SignerRole
from hocba.spec.schema import SCHEMA_ID, json_schema

__all__ = [
    "SCHEMA_ID",
    "SCHEMA_VERSION",
    "SIGNING_ORDER",
    "Absences",
    "AdministrativeUnit",
    "Commendation",
    "CommendationKind",
    "Completion",
    "GradeCatalog",
    "Guardian",
    "Health",
    "OverallResult",
    "PeriodResult",
    "PlannedSigner",
    "Problem",
    "Promotion",
    "PromotionDecision",
    "Rating",
    "RatingLevel",
    "RatingSpec",
    "Record",
    "RecordProblems",
    "School",
    "Sex",
    "SignerRole",
    "Student",
    "StudyHistoryRow",
    "SubjectLevel",
    "SubjectResult",
    "SubjectSpec",
    "SupplementaryAssessment",
    "SupplementarySubject",
    "canonical_json",
    "grade_catalog",
    "json_schema",
    "load_record",
    "pretty_json",
    "record_data",
    "record_digest",
    "validate_record",
]
