"""relance: gets unpaid invoices paid."""
