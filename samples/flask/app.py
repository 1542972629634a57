from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/")
def index():
    return '<!doctype html><html><body><h1>flask sample</h1><a href="/api/info">info</a></body></html>'


@app.route("/api/info")
def info():
    return jsonify(name="slimts-flask", ok=True, items=[1, 2, 3])


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
