"""Every permission hocba checks, named ``<scope>:<resource>:<action>`` (alphabetised)."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    CLASS_COMMENDATION_PROPOSE = "class:commendation:propose"  # GVCN (and principal) propose
    CLASS_CORRECTION_REQUEST = "class:correction:request"  # GVCN asks to correct an issued record
    CLASS_EVALUATION_EDIT = "class:evaluation:edit"  # enter levels/scores/comments
    CLASS_RATING_EDIT = "class:rating:edit"  # qualities and competences (GVCN)
    CLASS_RECORD_FINALISE = "class:record:finalise"  # GVCN locks the class
    CLASS_RECORD_REVIEW = "class:record:review"  # see the whole class with findings
    CLASS_RECORD_SIGN = "class:record:sign"  # GVCN signs the class's records
    CLASS_ROSTER_IMPORT = "class:roster:import"  # students + guardians from a workbook
    CLASS_SUPPLEMENTARY_EDIT = "class:supplementary:edit"  # GVCN: summer re-assessment
    SCHOOL_API_TOKEN_MANAGE = "school:api_token:manage"  # vendor API tokens
    SCHOOL_AUDIT_VIEW = "school:audit:view"
    SCHOOL_CLASS_UNLOCK = "school:class:unlock"  # principal, with a written reason
    SCHOOL_COMMENDATION_APPROVE = "school:commendation:approve"  # principal decides proposals
    SCHOOL_CORRECTION_APPROVE = "school:correction:approve"  # principal approves or declines
    SCHOOL_PROMOTION_DECIDE = "school:promotion:decide"  # principal, after re-assessment
    SCHOOL_RECORD_SEAL = "school:record:seal"
    SCHOOL_RECORD_SIGN = "school:record:sign"  # principal
    SCHOOL_YEAR_MANAGE = "school:year:manage"  # open year, classes, teachers, enrolments
    STUDENT_PERSONAL_ID_VIEW = "student:personal_id:view"
    STUDENT_RECORD_VIEW = "student:record:view"
    SUBTREE_AUDIT_VIEW = "subtree:audit:view"
    SUBTREE_PROGRESS_VIEW = "subtree:progress:view"
