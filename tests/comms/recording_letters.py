"""A letter provider for the kill tests: it records every submission on its own
line of RELANCE_TEST_LETTER_LOG, on disk before it answers, as a provider's
own records would show what it received."""

import os
import time


class RecordingProvider:
    name = "recording"

    def submit(self, pdf, recipient, reference, on):
        assert pdf.startswith(b"%PDF")
        with open(os.environ["RELANCE_TEST_LETTER_LOG"], "a") as log:
            log.write(f"{reference} {on.isoformat()}\n")
            log.flush()
            os.fsync(log.fileno())
        time.sleep(0.005)  # the answer takes a moment: kills land in it too
        return f"rec-{reference}"
