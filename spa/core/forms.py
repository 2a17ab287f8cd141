"""Form fields that choose database rows by id. Django's own let an id too large for
the column reach the database (an OverflowError on SQLite, a 500); these refuse it
like any other unknown choice, with the field's own message."""

from django import forms

from spa.core.params import param_id


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and param_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for each in value if isinstance(value, list | tuple) else [value]:
            if param_id(each) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(each)[:40]},
                )
        return super()._check_values(value)
