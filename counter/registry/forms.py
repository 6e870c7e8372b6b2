from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from counter.core.validation import CounterForm
from counter.registry.labels import CATEGORY_LABELS
from counter.registry.models import COMMUNITY_MAX


class CoverageForm(CounterForm):
    """The report's filters (GET): a category's list, the district admin's street, a community."""

    class Meta:
        csrf = False

    category = SelectField(_l("List"), coerce=str, validators=[Optional()])
    street = SelectField(_l("Street"), coerce=str, validators=[Optional()])
    community = StringField(_l("Community"), validators=[Optional(), Length(max=COMMUNITY_MAX)])

    def setup(self, streets, locale):
        self.category.choices = [("", _l("Counts only"))] + list(CATEGORY_LABELS.items())
        self.street.choices = [("", _l("All streets"))] + [(str(s.id), s.name(locale)) for s in streets]
