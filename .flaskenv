# Read by `flask` when python-dotenv is installed: `flask run` serves the notes API.
FLASK_APP=minidb.notes
