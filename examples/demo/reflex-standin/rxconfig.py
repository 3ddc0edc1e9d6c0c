# The demo's "Reflex app" is a stand-in (reflex.js beside this file): real Reflex cannot be
# installed on every machine. This file only marks the folder as the Reflex app, as in a real project.
import reflex as rx

config = rx.Config(app_name="demo")
