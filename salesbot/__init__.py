"""The composition root: assembles the app from the core, the capabilities, the agents and the adapters
(app.py, channels.py), and serves it (server.py, the admin console in admin/, the command line in cli.py).
Nothing below imports this package."""
