from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import slugify

from review.models import ExclusionReason, Review, SearchSource
from review.models.reviews import Role

User = get_user_model()

ROLE_CHOICES = Role.choices


class ReviewCreateForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = [
            "title", "slug", "population", "intervention", "comparator", "outcomes",
            "study_designs", "protocol_registration",
        ]
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in
                   ["population", "intervention", "comparator", "outcomes", "study_designs"]}
        help_texts = {"slug": "The review's address: filled from the title as you type; letters, digits and hyphens."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the address is made from the title (concord.js fills it as one types).
        self.fields["slug"].required = False
        self.fields["slug"].widget.attrs["data-slug-from"] = "id_title"

    def clean_slug(self):
        typed = self.cleaned_data.get("slug")
        if typed:
            return typed
        base = slugify(self.cleaned_data.get("title", ""))[:70].strip("-")
        if not base:
            raise forms.ValidationError("Give the review an address (letters, digits and hyphens).")
        slug, n = base, 1
        while Review.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug


class ReviewSettingsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Review
        fields = [
            "title", "population", "intervention", "comparator", "outcomes", "study_designs",
            "protocol_registration", "ta_reviewers_per_record", "ft_reviewers_per_record", "blind_mode",
            "inclusion_terms", "exclusion_terms", "recall_target", "stop_confidence",
            "allow_maybe", "screening_labels",
        ]
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in
                   ["population", "intervention", "comparator", "outcomes", "study_designs"]}

    # The stopping rule's settings came later than the form: a post without them keeps them.
    KEPT_WHEN_BLANK = ("recall_target", "stop_confidence")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.KEPT_WHEN_BLANK:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.KEPT_WHEN_BLANK:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150)
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active account named {username!r}.")
        self.cleaned_data["user"] = user
        return username


class AccountCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput, min_length=10,
                               help_text="At least 10 characters; tell it to the new member privately.")
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(f"An account named {username!r} already exists: add it instead.")
        return username


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)


class SearchSourceForm(forms.ModelForm):
    class Meta:
        model = SearchSource
        fields = ["name", "kind", "interface", "search_string", "date_run", "date_from", "date_to", "notes"]
        widgets = {
            "search_string": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "date_run": forms.DateInput(attrs={"type": "date"}),
            "date_from": forms.DateInput(attrs={"type": "date"}),
            "date_to": forms.DateInput(attrs={"type": "date"}),
        }


class SearchSourceEditForm(SearchSourceForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExclusionReasonForm(forms.ModelForm):
    class Meta:
        model = ExclusionReason
        fields = ["label", "position", "active"]


class ImportUploadForm(forms.Form):
    source = forms.ModelChoiceField(queryset=SearchSource.objects.none())
    file = forms.FileField()
    format = forms.ChoiceField(required=False, help_text="Leave on automatic: Concord reads the format from the content.")
    skip_bad = forms.BooleanField(
        required=False, label="Skip bad records",
        help_text="Import the good records and list each skipped one, instead of refusing the whole file.",
    )

    def __init__(self, *args, review, formats, too_large: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = review.sources.all()
        self.fields["format"].choices = [("", "Automatic")] + sorted(formats.items(), key=lambda kv: kv[1])
        # The upload handler stopped an oversized file, so there is no file to clean: say why.
        self.too_large = too_large
        if too_large:
            self.fields["file"].required = False

    def clean(self):
        cleaned = super().clean()
        if self.too_large:
            self.add_error("file", self.too_large)
        return cleaned


AUTOMATIC_PICK = "automatic: {columns}"
AUTOMATIC_NOTHING = "automatic: nothing found"


def automatic_text(alternatives: list[tuple[str, ...]]) -> str:
    """"automatic: Author full names, else Authors": columns read together are joined
    with "+", alternatives tried in turn with "else"."""
    if not alternatives:
        return AUTOMATIC_NOTHING
    return AUTOMATIC_PICK.format(columns=", else ".join(" + ".join(names) for names in alternatives))


class ColumnMapForm(forms.Form):
    """One select per Concord field, listing the uploaded file's column headers; beside
    each, what "(automatic)" will read (``automatic``: the importer's automatic_picks)."""

    FIELDS = [
        "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
        "issn", "keywords", "publication_type", "language", "url",
    ]
    LABELS = {"doi": "DOI", "pmid": "PubMed ID", "issn": "ISSN", "url": "URL"}

    def __init__(self, *args, headers, automatic=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(automatic)")] + [(h, h) for h in headers]
        for name in self.FIELDS:
            self.fields[name] = forms.ChoiceField(
                choices=choices, required=False, label=self.LABELS.get(name, name.replace("_", " ").capitalize()),
                help_text=automatic_text(automatic.get(name, [])) if automatic is not None else "",
            )

    def column_map(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.FIELDS if self.cleaned_data.get(name)}
