from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app (waitress; static files through WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, **opts):
        from waitress import serve

        from config.wsgi import application

        self.stdout.write(
            f"relance on http://{opts['host']}:{opts['port']} (Ctrl+C stops)"
        )
        serve(
            application, host=opts["host"], port=opts["port"], threads=opts["threads"]
        )
