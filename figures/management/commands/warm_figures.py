from django.core.management.base import BaseCommand

from figures.tables import warm_all


class Command(BaseCommand):
    help = "Build every figure's protected tables into the shared cache (run every few minutes)."

    def handle(self, *args, **options):
        built = warm_all()
        self.stdout.write(f"{built} figure(s) built.")
