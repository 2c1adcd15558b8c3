from django.urls import path

from cases import views_files as files
from cases import views_oversight as oversight
from cases import views_sharing as sharing

app_name = "cases"

F = "<uuid:file_uuid>/"

urlpatterns = [
    path("", files.file_list, name="files"),
    # intake, incoming referrals and handovers, break-glass, the DPO's pages
    path("referrals/", sharing.referral_list, name="referrals"),
    path("referrals/new/", sharing.referral_create, name="referral_create"),
    path("referrals/<uuid:referral_uuid>/", sharing.referral_detail, name="referral"),
    path("incoming/", sharing.incoming_list, name="incoming_list"),
    path("incoming/<uuid:referral_uuid>/", sharing.incoming_detail, name="incoming"),
    path(
        "incoming/<uuid:referral_uuid>/open-file/",
        sharing.incoming_open_file,
        name="incoming_open_file",
    ),
    path("handovers/<uuid:handover_uuid>/", sharing.handover_decide, name="handover_decide"),
    path("break-glass/", oversight.break_glass, name="break_glass"),
    path("break-glass/review/", oversight.break_glass_review, name="break_glass_review"),
    path(
        "break-glass/review/<uuid:grant_uuid>/",
        oversight.break_glass_review_one,
        name="break_glass_review_one",
    ),
    path("disclosures/", oversight.disclosure_search, name="disclosure_search"),
    path("disclosures/<uuid:person_uuid>/", oversight.disclosures, name="disclosures"),
    path(
        "disclosures/<uuid:person_uuid>/export.csv",
        oversight.disclosures_export,
        name="disclosures_export",
    ),
    # one file
    path(F, files.file_detail, name="file"),
    path(F + "timeline/", files.timeline, name="timeline"),
    path(F + "edit/", files.file_edit, name="file_edit"),
    path(F + "team/", files.team, name="team"),
    path(F + "reveal/", files.reveal, name="reveal"),
    path(F + "export/", files.export, name="export"),
    path(F + "close/", files.close, name="close"),
    path(F + "reopen/", files.reopen, name="reopen"),
    path(F + "journal/new/", files.entry_create, name="entry_create"),
    path(F + "journal/<uuid:entry_uuid>/edit/", files.entry_edit, name="entry_edit"),
    path(F + "evaluations/new/", files.evaluation_create, name="evaluation_create"),
    path(F + "evaluations/<uuid:evaluation_uuid>/", files.evaluation_detail, name="evaluation"),
    path(F + "plan/", files.plan_edit, name="plan_edit"),
    path(F + "plan/<uuid:plan_uuid>/", files.plan_detail, name="plan"),
    path(F + "plan/<uuid:plan_uuid>/approve/", files.plan_approve, name="plan_approve"),
    path(F + "conditions/new/", files.condition_create, name="condition_create"),
    path(
        F + "conditions/<uuid:condition_uuid>/check/",
        files.condition_check,
        name="condition_check",
    ),
    path(F + "attachments/new/", files.attachment_create, name="attachment_create"),
    path(F + "attachments/<uuid:attachment_uuid>/", files.attachment, name="attachment"),
    path(F + "shared/", sharing.shared_file, name="shared"),
    path(F + "share/", sharing.contribute, name="contribute"),
    path(F + "shared/<uuid:contribution_uuid>/withdraw/", sharing.withdraw, name="withdraw"),
    path(F + "refer/", sharing.refer, name="refer"),
    path(
        F + "referrals/<uuid:referral_uuid>/withdraw/",
        sharing.service_referral_withdraw,
        name="service_referral_withdraw",
    ),
    path(F + "handover/", sharing.handover, name="handover"),
]
