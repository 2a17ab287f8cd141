from django import forms
from django.utils.translation import gettext_lazy as _

from spa.backups.models import BackupSettings


class BackupSettingsForm(forms.ModelForm):
    class Meta:
        model = BackupSettings
        fields = ["enabled", "backup_time", "keep_daily", "keep_weekly"]
        widgets = {"backup_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def clean_keep_daily(self):
        value = self.cleaned_data["keep_daily"]
        if not 1 <= value <= 365:
            raise forms.ValidationError(_("Between 1 and 365."))
        return value

    def clean_keep_weekly(self):
        value = self.cleaned_data["keep_weekly"]
        if value > 520:
            raise forms.ValidationError(_("At most 520."))
        return value
