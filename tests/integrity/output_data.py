"""A review whose every user-typed text a download can carry starts like a formula.

Built through the services only: a source, records, votes with notes and labels, an
exclusion reason used at full text, a form whose labels and text values are hostile, the
13 BCG trials under hostile labels, extracted, appraised and locked, and two analyses run.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1dHYPERLINK(\"http://evil.example\")",
    "\uff0bcmd",
    "\uff0d1+1",
    "\uff20SUM(1)",
    "-1+cmd",
    "\n=1+1",
]
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build(team):
    from analysis import demo
    from analysis.services import analyses_run_all, analysis_create
    from extraction.services.assignments import assignment_set
    from extraction.services.forms import form_publish
    from review.models import Record, RecordImport, Study
    from review.screening.services import decision_record, fulltext_attach
    from review.services.exclusions import exclusion_reason_save
    from review.services.sources import source_create

    review, lead = team.review, team.lead
    source = source_create(review=review, actor=lead, name=HOSTILE[0][:100], kind="database")
    reason = exclusion_reason_save(review=review, actor=lead, label=HOSTILE[2], position=99, expected_version=None)
    record_import = RecordImport.objects.create(
        review=review, source=source, filename="hostile.ris", sha256="f" * 64, status="done"
    )
    records = [
        Record.objects.create(
            review=review, record_import=record_import, source=source, position=i + 1,
            title=HOSTILE[i], authors=[HOSTILE[(i + 1) % len(HOSTILE)]], journal=HOSTILE[(i + 2) % len(HOSTILE)],
            year=2000 + i,
        )
        for i in range(4)
    ]
    for i, record in enumerate(records):
        for reviewer in (team.rev1, team.rev2):
            decision_record(review=review, record=record, stage="title_abstract", reviewer=reviewer,
                            vote="include", note=HOSTILE[(i + 3) % len(HOSTILE)], labels=[HOSTILE[4]])
        fulltext_attach(record=record, actor=lead, pdf=SimpleUploadedFile("a.pdf", PDF_BYTES))
        vote, why = ("include", None) if i < 2 else ("exclude", reason)
        for reviewer in (team.rev1, team.rev2):
            decision_record(review=review, record=record, stage="full_text", reviewer=reviewer, vote=vote,
                            exclusion_reason=why, note=HOSTILE[5])

    schema = {**demo.SCHEMA, "sections": [dict(demo.SCHEMA["sections"][0])]}
    fields = [dict(f) for f in schema["sections"][0]["fields"]]
    fields[0]["label"] = HOSTILE[1]
    fields[3]["unit"] = HOSTILE[6]
    schema["sections"][0]["fields"] = fields
    form_publish(review=review, schema=schema, actor=lead)
    extractors = [team.rev1, team.rev2]
    for n, trial in enumerate(demo.trials()):
        label = f"{HOSTILE[n % len(HOSTILE)]} {demo.label_of(trial)}"
        study = Study.objects.create(review=review, label=label, created_by=lead)
        assignment_set(study=study, kind="extraction", users=extractors, actor=lead, expected_version=None)
        values = {**demo.values_of(trial), "author": HOSTILE[(n + 1) % len(HOSTILE)]}
        for user in extractors:
            demo._enter(study, user, values)
        demo._settle_and_lock(study, "extraction", lead)
        demo._appraise(study, trial, lead, extractors)
    for spec in demo.ANALYSES:
        spec = {**spec, "name": f"{HOSTILE[0]} {spec['name']}"}
        if "sensitivity" in spec:
            spec["sensitivity"] = [{**s, "label": f"{HOSTILE[3]} {s['label']}"} for s in spec["sensitivity"]]
        analysis_create(review=review, actor=lead, values=spec)
    analyses_run_all(review=review, actor=lead)
    return review
