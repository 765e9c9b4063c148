"""Hidden pytest graders, one package per assignment; never released to students."""
