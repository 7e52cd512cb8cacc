"""Reads a supervisord configuration with supervisord's own parser (supervisor.options) and prints,
as one JSON document, what supervisord would run: each process's argv (shlex.split of its expanded
command, as process.get_execv_args does), environment and lifecycle settings; or why it refuses the
file. The import test compares baton's import with this, file by file.

A file without [supervisord] (a conf.d fragment) is read as an [include] of a minimal
supervisord.conf, and its result says "fragment": true.
Host checks that do not concern the configuration's meaning (do the log directories exist, do the
user names exist here) are turned off; everything else is supervisord's code as installed.
Usage: python3 supervisord_parse.py FILE [NAME=VALUE...]   (the environment supervisord runs with)
   or: python3 supervisord_parse.py --batch   (stdin: one JSON [FILE, {NAME: VALUE}] a line; stdout: one result a line)
"""
import json
import os
import shlex
import sys
import tempfile

from supervisor import datatypes, options

options.existing_dirpath = lambda v: v
options.existing_directory = lambda v: v
datatypes.existing_dirpath = lambda v: v
datatypes.existing_directory = lambda v: v
options.name_to_uid = lambda name: 0
options.ServerOptions.get_plugins = lambda self, parser, factory_key, section_prefix: []
options.ServerOptions.import_spec = lambda self, spec: (lambda *args: None)  # result_handler modules need not be installed here
options.platform.node = lambda: "node-7"

RESTART = {datatypes.RestartUnconditionally: "always", datatypes.RestartWhenExitUnexpected: "on-failure", False: "never"}


def read(path, env):
    """supervisord's reading of the file; a conf.d fragment (no [supervisord] section) as the [include]
    of a minimal supervisord.conf reads it, which is how supervisord ever runs one."""
    result = read_file(path, env)
    if "does not include supervisord section" in result.get("refused", ""):
        with tempfile.TemporaryDirectory() as d:
            main = os.path.join(d, "supervisord.conf")
            with open(main, "w") as f:
                f.write("[supervisord]\nnodaemon = true\n[include]\nfiles = %s\n" % os.path.abspath(path))
            result = read_file(main, env)
            result["fragment"] = True
    return result


def read_file(path, env):
    os.environ.clear()
    os.environ.update(env)
    opts = options.ServerOptions()
    opts.configfile = path
    try:
        opts.process_config(do_usage=False)
    except (ValueError, SystemExit) as e:
        return {"refused": str(e)}
    processes = []
    for group in opts.process_group_configs:
        if not isinstance(group, options.ProcessGroupConfig):
            continue  # event listener pools
        for p in group.process_configs:
            try:
                argv = shlex.split(p.command)
            except ValueError as e:
                argv = {"unparsable": str(e)}
            processes.append({
                "name": p.name, "group": group.name, "group_priority": group.priority, "argv": argv,
                "environment": p.environment or {}, "directory": p.directory, "priority": p.priority,
                "autostart": p.autostart, "restart": RESTART[p.autorestart], "exitcodes": sorted(p.exitcodes),
                "startsecs": p.startsecs, "startretries": p.startretries, "stopsignal": p.stopsignal,
                "stopwaitsecs": p.stopwaitsecs, "stopasgroup": p.stopasgroup, "killasgroup": p.killasgroup,
                "umask": p.umask,
            })
    return {"processes": processes}


if sys.argv[1] == "--batch":
    for line in sys.stdin:
        path, env = json.loads(line)
        print(json.dumps(read(path, env)), flush=True)
else:
    print(json.dumps(read(sys.argv[1], dict(a.partition("=")[::2] for a in sys.argv[2:]))))
