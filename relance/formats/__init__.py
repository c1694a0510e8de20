"""Readers and writers of files. Pure Python, no Django. Readers never raise on bad
input: they return the records they could read and one error per rejected row."""
