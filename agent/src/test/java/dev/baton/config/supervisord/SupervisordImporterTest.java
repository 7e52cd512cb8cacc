package dev.baton.config.supervisord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import dev.baton.config.ConfigLoader;
import dev.baton.config.migration.Impact;
import dev.baton.config.migration.ImportResult;
import dev.baton.config.migration.ImportWarning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisordImporterTest {
    @TempDir
    Path dir;

    private final SupervisordImporter importer =
            new SupervisordImporter(Map.of("HOME", "/home/app", "DB_URL", "postgres://db/app", "START_A", "true"), "node-7");

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    /** Imports, and checks the TOML text reads back as exactly the tree it was written from. */
    private ImportResult importAndRoundTrip(Path file) throws IOException {
        ImportResult r = importer.importFile(file);
        JsonNode reread = new TomlMapper().readTree(r.toml());
        assertEquals(r.config(), reread, "TOML text round trip:\n" + r.toml());
        loadsWithTheAgentsLoader(r.toml(), file);
        return r;
    }

    /** The output must load with the agent's own loader unless the import failed (and said why). */
    private static void loadsWithTheAgentsLoader(String toml, Path file) {
        try {
            ConfigLoader.parse(toml, file);
        } catch (dev.baton.config.ConfigException e) {
            org.junit.jupiter.api.Assertions.fail("imported TOML does not load:\n" + e.getMessage() + "\n" + toml);
        }
    }

    private static List<String> warningsFor(ImportResult r, String section, String key) {
        return r.warnings().stream().filter(w -> w.section().equals(section) && w.key().equals(key))
                .map(ImportWarning::message).collect(Collectors.toList());
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() ? "<missing>" : n.toString();
    }

    /** Chainflip's multi-version engine image (shared/seeds/003), verbatim. */
    static final String CHAINFLIP = """
            [supervisord]
            nodaemon=true
            logfile=/dev/null
            logfile_maxbytes=0
            [program:engine_1]
            command=/usr/local/bin/chainflip-engine1.1
            stdout_logfile=/dev/fd/1
            stdout_logfile_maxbytes=0
            redirect_stderr=true
            startretries=10
            startsecs=10
            autorestart=true
            priority=1
            [program:engine_2]
            command=/usr/local/bin/chainflip-engine1.0
            stdout_logfile=/dev/fd/1
            stdout_logfile_maxbytes=0
            redirect_stderr=true
            startretries=10
            startsecs=10
            autorestart=true
            priority=2
            [supervisorctl]
            """;

    @Test
    void chainflipRecipe() throws IOException {
        ImportResult r = importAndRoundTrip(write("supervisord.conf", CHAINFLIP));
        JsonNode c = r.config();
        assertEquals("raw", c.at("/agent/log_mode").asText(), "lines reach stdout untouched, as supervisord wrote them");
        JsonNode e1 = c.at("/programs/engine_1");
        assertEquals("[\"/usr/local/bin/chainflip-engine1.1\"]", text(e1.get("command")));
        assertEquals("always", e1.get("restart").asText());
        assertEquals("10s", e1.get("start_secs").asText());
        assertEquals(10, e1.get("start_retries").asInt());
        assertEquals(1, e1.get("priority").asInt());
        assertTrue(e1.get("autostart").asBoolean());
        assertEquals("TERM", e1.get("stop_signal").asText());
        assertEquals("10s", e1.get("stop_timeout").asText());
        assertEquals("[0]", text(e1.get("exit_codes")));
        assertEquals("{\"stdout\":true}", text(e1.get("log")), "no file, so no max_bytes");
        assertFalse(e1.has("shell"));
        assertEquals(2, c.at("/programs/engine_2/priority").asInt());
        assertEquals("[\"/usr/local/bin/chainflip-engine1.0\"]", text(c.at("/programs/engine_2/command")));

        assertTrue(r.toml().contains("[programs.engine_1]\n"), r.toml());
        assertTrue(r.toml().startsWith("[agent]\nlog_mode = 'raw'\n"), r.toml());

        // what could not be mapped, and nothing else
        assertEquals(1, warningsFor(r, "supervisord", "logfile").size());
        assertEquals(1, warningsFor(r, "supervisord", "logfile_maxbytes").size());
        assertEquals(1, warningsFor(r, "supervisorctl", "").size());
        assertTrue(warningsFor(r, "supervisord", "nodaemon").isEmpty(), "baton runs in the foreground anyway");
        assertEquals("chainflip", e1.get("engine_group").asText(), "versions of one binary: an engine group");
        assertEquals("chainflip", c.at("/programs/engine_2/engine_group").asText());
        assertEquals(3, r.count(Impact.COSMETIC), r.warnings().toString());
        assertEquals(2, r.count(Impact.BEHAVIOUR), "the engine group and the group signal: " + r.warnings());
        assertFalse(r.failed());
        assertEquals("imported 2 programs, 2 behaviour changes need a look", r.summary());
        assertEquals(3, r.warnings().get(0).line(), "line of logfile=");
        assertTrue(r.warnings().get(0).toString().contains("supervisord.conf:3: [supervisord] logfile: "),
                r.warnings().get(0).toString());
    }

    @Test
    void typicalWebAppConfig() throws IOException {
        Path f = write("app/supervisord.conf", """
                ; supervisor config file for a web shop
                [unix_http_server]
                file=/var/run/supervisor.sock   ; (the path to the socket file)
                chmod=0700                       ; sockef file mode (default 0700)

                [supervisord]
                logfile=/var/log/supervisor/supervisord.log ; (main log file;default $CWD/supervisord.log)
                pidfile=/var/run/supervisord.pid ; (supervisord pidfile;default supervisord.pid)
                childlogdir=/var/log/supervisor            ; ('AUTO' child log dir, default $TEMP)
                minfds=4096
                environment=LANG="en_US.UTF-8",TZ=UTC
                umask=027

                [rpcinterface:supervisor]
                supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

                [supervisorctl]
                serverurl=unix:///var/run/supervisor.sock ; use a unix:// URL  for a unix socket

                [program:web]
                command = /srv/shop/venv/bin/gunicorn shop.wsgi:application
                    --bind 127.0.0.1:8000 --workers 3
                    --access-logfile "-" --name 'shop web'
                directory = /srv/shop
                user = shop
                environment = DJANGO_SETTINGS_MODULE="shop.settings.prod",DATABASE_URL="%(ENV_DB_URL)s",PATH="/srv/shop/venv/bin:/usr/bin",GREETING="hello, world"
                autostart = true
                autorestart = true
                startsecs = 5
                stopsignal = QUIT
                stopwaitsecs = 30
                stopasgroup = true
                killasgroup = true
                stdout_logfile = /var/log/shop/web.log
                stdout_logfile_maxbytes = 20MB
                stdout_logfile_backups = 5
                redirect_stderr = true

                [program:celery]
                command=/srv/shop/venv/bin/celery -A shop worker -l info >> /var/log/shop/celery.out 2>&1
                directory=/srv/shop
                user=shop
                numprocs=1
                autorestart=unexpected
                exitcodes=0,2
                stopsignal=SIGTERM
                stdout_logfile=/var/log/shop/celery.log
                stderr_logfile=/var/log/shop/celery.err
                stdout_events_enabled=true
                priority=998
                umask=0o002

                [program:beat]
                command=/srv/shop/venv/bin/celery -A shop beat
                autostart=false
                autorestart=false
                stdout_logfile=NONE
                stderr_logfile=/var/log/shop/beat.err
                stderr_logfile_maxbytes=1KB
                """);
        ImportResult r = importAndRoundTrip(f);
        JsonNode c = r.config();
        assertTrue(c.path("agent").isMissingNode(), "no program writes to supervisord's stdout");

        JsonNode web = c.at("/programs/web");
        assertEquals("[\"/srv/shop/venv/bin/gunicorn\",\"shop.wsgi:application\",\"--bind\",\"127.0.0.1:8000\","
                + "\"--workers\",\"3\",\"--access-logfile\",\"-\",\"--name\",\"shop web\"]", text(web.get("command")),
                "continuation lines joined, quotes removed as shlex does");
        assertEquals("/srv/shop", web.get("directory").asText());
        assertEquals("shop", web.get("user").asText());
        assertEquals("{\"LANG\":\"en_US.UTF-8\",\"TZ\":\"UTC\",\"DJANGO_SETTINGS_MODULE\":\"shop.settings.prod\","
                + "\"DATABASE_URL\":\"postgres://db/app\",\"PATH\":\"/srv/shop/venv/bin:/usr/bin\","
                + "\"GREETING\":\"hello, world\"}", text(web.get("environment")),
                "[supervisord] environment first, then the program's; quoted commas kept");
        assertEquals("027", web.get("umask").asText(), "[supervisord] umask inherited");
        assertEquals("always", web.get("restart").asText());
        assertEquals("5s", web.get("start_secs").asText());
        assertEquals("QUIT", web.get("stop_signal").asText());
        assertEquals("30s", web.get("stop_timeout").asText());
        assertEquals(999, web.get("priority").asInt(), "supervisord's default, written out");
        assertEquals(3, web.get("start_retries").asInt());
        assertEquals("{\"stdout\":false,\"file\":\"/var/log/shop/web.log\",\"max_bytes\":\"20MiB\",\"backups\":5}",
                text(web.get("log")), "supervisord's MB is 1024*1024");
        assertEquals(1, warningsFor(r, "program:web", "environment").size(), "ENV_ expansion is reported");
        assertTrue(warningsFor(r, "program:web", "stopasgroup").isEmpty(), "stopasgroup = true is what baton does");
        assertTrue(warningsFor(r, "program:celery", "stopasgroup").get(0).contains("celery, beat"));

        JsonNode celery = c.at("/programs/celery");
        assertFalse(celery.has("shell"), "supervisord never ran a shell, nor does the import");
        assertEquals("[\"/srv/shop/venv/bin/celery\",\"-A\",\"shop\",\"worker\",\"-l\",\"info\",\">>\","
                + "\"/var/log/shop/celery.out\",\"2>&1\"]", text(celery.get("command")), "argv exactly as supervisord execs it");
        assertTrue(warningsFor(r, "program:celery", "command").get(0).contains("'>' is passed to /srv/shop/venv/bin/celery as a literal"));
        assertEquals("on-failure", celery.get("restart").asText());
        assertEquals("[0,2]", text(celery.get("exit_codes")));
        assertEquals("TERM", celery.get("stop_signal").asText());
        assertEquals("002", celery.get("umask").asText());
        assertEquals(998, celery.get("priority").asInt());
        assertEquals("/var/log/shop/celery.log", celery.at("/log/file").asText());
        assertEquals("50MiB", celery.at("/log/max_bytes").asText());
        assertEquals(10, celery.at("/log/backups").asInt());
        assertTrue(warningsFor(r, "program:celery", "stderr_logfile").get(0).contains("one log file"));
        assertTrue(warningsFor(r, "program:celery", "stdout_events_enabled").isEmpty(), "no relay listener: nothing changes");
        assertTrue(warningsFor(r, "program:celery", "numprocs").isEmpty(), "numprocs=1 is plain");

        JsonNode beat = c.at("/programs/beat");
        assertFalse(beat.get("autostart").asBoolean());
        assertEquals("never", beat.get("restart").asText());
        assertEquals("/var/log/shop/beat.err", beat.at("/log/file").asText(), "the only file given");
        assertEquals("1KiB", beat.at("/log/max_bytes").asText());
        assertFalse(beat.at("/log/stdout").asBoolean());

        for (String s : List.of("unix_http_server", "rpcinterface:supervisor", "supervisorctl")) {
            assertEquals(1, warningsFor(r, s, "").size(), s);
        }
        for (String k : List.of("logfile", "pidfile", "childlogdir", "minfds")) {
            assertEquals(1, warningsFor(r, "supervisord", k).size(), k);
        }
        assertTrue(warningsFor(r, "supervisord", "environment").isEmpty(), "mapped");
        assertTrue(warningsFor(r, "supervisord", "umask").isEmpty(), "mapped");
        assertTrue(warningsFor(r, "program:web", "stdout_logfile").isEmpty(), "mapped");
    }

    @Test
    void includeGlobsRelativeToTheFile() throws IOException {
        Path extra = write("elsewhere/extra.ini", """
                [program:metrics]
                command=/usr/bin/node_exporter --web.listen-address=:9100
                """);
        Path main = write("etc/supervisord.conf", """
                [supervisord]
                nodaemon=true

                [include]
                files = conf.d/*.conf %(here)s/../elsewhere/extra.ini conf.d/missing-*.ini
                """);
        write("etc/conf.d/20-engine.conf", """
                [program:engine]
                command=/usr/bin/engine --config %(here)s/engine.toml   # a comment after whitespace
                directory=%(here)s
                stdout_logfile=/dev/stdout
                stdout_logfile_maxbytes=0
                """);
        write("etc/conf.d/10-node.conf", """
                [program:node]
                command=/usr/bin/node --base-path /var/lib/node
                priority=10
                [include]
                files=nested/*.conf
                """);
        write("etc/conf.d/notes.txt", "[program:ignored]\ncommand=/bin/false\n");
        ImportResult r = importAndRoundTrip(main);
        Path etc = main.getParent();
        assertEquals(List.of(main, etc.resolve("conf.d/10-node.conf"), etc.resolve("conf.d/20-engine.conf"),
                extra.toAbsolutePath().normalize()), r.files(), "sorted glob results, then the next pattern");
        JsonNode p = r.config().get("programs");
        assertEquals(List.of("node", "engine", "metrics"), iterable(p.fieldNames()));
        assertEquals("[\"/usr/bin/engine\",\"--config\",\"" + etc.resolve("conf.d") + "/engine.toml\"]",
                text(p.at("/engine/command")), "%(here)s is the including file's directory; # comment stripped");
        assertEquals(etc.resolve("conf.d").toString(), p.at("/engine/directory").asText());
        assertEquals("raw", r.config().at("/agent/log_mode").asText());
        assertEquals("[\"/usr/bin/node_exporter\",\"--web.listen-address=:9100\"]", text(p.at("/metrics/command")));
        assertEquals(1, warningsFor(r, "include", "files").size(), "missing-*.ini matches nothing");
        assertTrue(r.warnings().stream().anyMatch(w -> w.section().equals("include") && w.key().isEmpty()
                && w.file().endsWith("10-node.conf")), "nested include reported: " + r.warnings());
    }

    /**
     * An image ships [program:node] in supervisord.conf and the operator overrides it in conf.d/:
     * supervisord runs one node with the merged values; two imported programs would be two
     * validators signing with one key.
     */
    @Test
    void aSectionAgainInAnIncludedFileIsMergedNotDuplicated() throws IOException {
        Path main = write("etc/supervisord.conf", """
                [supervisord]
                nodaemon=true
                [include]
                files = conf.d/*.conf
                [program:node]
                command=/usr/bin/polkadot --validator --name image-default
                autorestart=true
                directory=%(here)s
                """);
        Path override = write("etc/conf.d/override.conf", """
                [program:node]
                command=/usr/bin/polkadot --validator --name my-validator --base-path %(here)s/data
                stopsignal=INT
                """);
        ImportResult r = importAndRoundTrip(main);
        JsonNode p = r.config().get("programs");
        assertEquals(List.of("node"), iterable(p.fieldNames()), "one program, as supervisord runs one");
        assertEquals("[\"/usr/bin/polkadot\",\"--validator\",\"--name\",\"my-validator\",\"--base-path\",\""
                + override.getParent() + "/data\"]", text(p.at("/node/command")), "the later file's value, its %(here)s");
        assertEquals("INT", p.at("/node/stop_signal").asText());
        assertEquals("always", p.at("/node/restart").asText(), "kept from supervisord.conf");
        assertEquals(main.getParent().toString(), p.at("/node/directory").asText());
        assertTrue(r.warnings().stream().anyMatch(w -> w.file().equals(override) && w.line() == 1
                && w.message().contains("one section")), r.warnings().toString());
    }

    /** A daemonizing supervisord chdirs to [supervisord] directory=, where its programs then start. */
    @Test
    void theDirectorySupervisordDaemonizedIntoIsEachProgramsDirectory() throws IOException {
        Path f = write("supervisord.conf", """
                [supervisord]
                directory=/srv/node
                [program:node]
                command=/usr/bin/polkadot --base-path data --node-key-file keys/node_key
                [program:exporter]
                command=/usr/bin/node_exporter
                directory=/
                """);
        ImportResult r = importAndRoundTrip(f);
        assertEquals("/srv/node", r.config().at("/programs/node/directory").asText(), "data is /srv/node/data");
        assertEquals("/", r.config().at("/programs/exporter/directory").asText());
        assertTrue(warningsFor(r, "supervisord", "directory").get(0).contains("each program without a directory="));

        Path foreground = write("fg.conf", "[supervisord]\nnodaemon=true\ndirectory=/srv/node\n[program:node]\ncommand=/bin/node\n");
        assertTrue(importAndRoundTrip(foreground).config().at("/programs/node/directory").isMissingNode(),
                "supervisord changes directory only when it daemonizes");
    }

    @Test
    void numprocsAndVariables() throws IOException {
        Path f = write("workers.conf", """
                [group:queue]
                programs=worker,reporter
                priority=50

                [program:worker]
                command=/usr/bin/worker --id %(process_num)d --port 80%(process_num)02d --home %(ENV_HOME)s
                    --group %(group_name)s --of %(numprocs)s --on %(host_node_name)s --pct 100%% --token %(ENV_TOKEN)s
                process_name=%(program_name)s_%(process_num)02d
                numprocs=3
                numprocs_start=1
                environment=WORKER_ID="%(process_num)s",NAME="%(program_name)s, x",TOKEN=t-%(process_num)s
                stdout_logfile=/var/log/worker-%(process_num)s.log
                stdout_logfile_maxbytes=1GB
                stdout_logfile_backups=0
                stopsignal=INT
                startretries=0
                serverurl=AUTO
                bogus_key=1

                [program:reporter]
                command=/usr/bin/reporter
                numprocs=2
                priority=1500

                [program:bad name!]
                command=/usr/bin/x

                [program:unset]
                command=/usr/bin/z --token %(ENV_NOT_SET)s

                [program:unclosed]
                command=/usr/bin/x 'unclosed

                [program:needs.quoting]
                command=/usr/bin/y "$HOME/data" --api-cors *

                [eventlistener:crashmail]
                command=crashmail -a
                events=PROCESS_STATE_EXITED
                """);
        ImportResult r = importer.importFile(f);
        JsonNode p = r.config().get("programs");
        assertEquals(List.of("worker_01", "worker_02", "worker_03", "needs.quoting"), iterable(p.fieldNames()),
                "reporter, bad name!, unset and unclosed are refused as supervisord refuses them");
        assertEquals("[\"/usr/bin/worker\",\"--id\",\"2\",\"--port\",\"8002\",\"--home\",\"/home/app\","
                + "\"--group\",\"queue\",\"--of\",\"3\",\"--on\",\"node-7\",\"--pct\",\"100%\",\"--token\",\"t-2\"]",
                text(p.at("/worker_02/command")), "%(ENV_TOKEN)s comes from the program's own environment=");
        assertEquals("{\"WORKER_ID\":\"3\",\"NAME\":\"worker, x\",\"TOKEN\":\"t-3\"}", text(p.at("/worker_03/environment")));
        assertEquals("/var/log/worker-1.log", p.at("/worker_01/log/file").asText());
        assertEquals("1GiB", p.at("/worker_01/log/max_bytes").asText());
        assertEquals(0, p.at("/worker_01/log/backups").asInt());
        assertEquals("INT", p.at("/worker_01/stop_signal").asText());
        assertEquals(0, p.at("/worker_01/start_retries").asInt());
        assertEquals("[\"/usr/bin/y\",\"$HOME/data\",\"--api-cors\",\"*\"]", text(p.at("/needs.quoting/command")),
                "no shell: $HOME and * reach the program literally, as under supervisord");
        assertTrue(p.at("/worker_01/priority").asInt() < p.at("/needs.quoting/priority").asInt(),
                "the group's priority 50 starts the workers before a program of priority 999");
        assertTrue(r.toml().contains("[programs.'needs.quoting']\n"), r.toml());

        // refusals, each where supervisord refuses
        assertTrue(r.failed());
        assertTrue(warningsFor(r, "program:reporter", "process_name").get(0).contains("%(process_num) must be present"));
        assertTrue(warningsFor(r, "program:bad name!", "").get(0).contains("invalid name"));
        assertTrue(warningsFor(r, "program:unset", "command").get(0).contains("--env NOT_SET=VALUE"));
        assertTrue(warningsFor(r, "program:unclosed", "command").get(0).contains("No closing quotation"));
        // findings once per section, not once per process
        assertEquals(1, warningsFor(r, "program:worker", "numprocs").size());
        assertTrue(warningsFor(r, "program:worker", "numprocs").get(0).contains("3 programs named by process_name"));
        assertEquals(1, warningsFor(r, "program:worker", "serverurl").size());
        assertEquals(1, warningsFor(r, "program:worker", "bogus_key").size());
        List<String> command = warningsFor(r, "program:worker", "command");
        assertTrue(command.stream().anyMatch(m -> m.contains("'node-7'")), command.toString());
        assertTrue(command.stream().anyMatch(m -> m.contains("ENV_HOME")), command.toString());
        assertTrue(command.stream().noneMatch(m -> m.contains("ENV_TOKEN")), "the file defines TOKEN: exact, no finding");
        assertEquals(1, warningsFor(r, "group:queue", "").size());
        assertEquals(Impact.BEHAVIOUR, r.warnings().stream().filter(w -> w.section().equals("eventlistener:crashmail"))
                .findFirst().orElseThrow().impact(), "a dropped alert changes what happens after a crash");
    }

    @Test
    void percentFormatIsPythons() throws PercentFormat.Refused {
        Map<String, Object> v = Map.of("program_name", "w", "process_num", 7, "ENV_X", "x y");
        assertEquals("w_07 x y 100% [   w] 0x7 'w'", PercentFormat.expand(
                "%(program_name)s_%(process_num)02d %(ENV_X)s 100%% [%(program_name)4s] %(process_num)#x %(program_name)r", v));
        for (String bad : List.of("%(ENV_Y)s", "%HOME%", "%(ENV_X)", "100%", "%s", "%(program_name)d", "%(x")) {
            assertThrows(PercentFormat.Refused.class, () -> PercentFormat.expand(bad, v), bad);
        }
        assertThrows(PercentFormat.Refused.class, () -> PercentFormat.expand("%(ENV_X)", v), "malformed: no conversion");
    }

    @Test
    void unsetVariableInAutostartIsAnErrorNotTrue() throws IOException {
        ImportResult r = importer.importFile(write("auto.conf", """
                [supervisord]
                nodaemon=true
                [program:a]
                command=/bin/a
                autostart=%(ENV_START_A)s
                [program:b]
                command=/bin/b
                autostart=%(ENV_NOT_SET)s
                """));
        assertTrue(r.failed());
        assertEquals(List.of("a"), iterable(r.config().get("programs").fieldNames()), "b is not imported at all");
        assertEquals(Impact.FAILED, r.warnings().stream().filter(w -> w.section().equals("program:b")).findFirst()
                .orElseThrow().impact());
        ImportResult ok = new SupervisordImporter(Map.of("START_A", "false"), "h").importFile(write("auto2.conf", """
                [supervisord]
                nodaemon=true
                [program:a]
                command=/bin/a
                autostart=%(ENV_START_A)s
                """));
        assertFalse(ok.config().at("/programs/a/autostart").asBoolean());
    }

    @Test
    void stdoutAndStderrToTheContainerLog() throws IOException {
        ImportResult r = importAndRoundTrip(write("c.conf", """
                [program:a]
                command=/bin/a
                stdout_logfile=/dev/stdout
                stdout_logfile_maxbytes=0
                stderr_logfile=/dev/stderr
                stderr_logfile_maxbytes=0
                stdout_syslog=true
                """));
        assertEquals("{\"stdout\":true}", text(r.config().at("/programs/a/log")));
        assertEquals("raw", r.config().at("/agent/log_mode").asText());
        assertTrue(warningsFor(r, "program:a", "stderr_logfile").isEmpty(), "both end up on baton's stdout");
        assertEquals(1, warningsFor(r, "program:a", "stdout_syslog").size());
    }

    @Test
    void unreadableOrMalformedFilesFail() throws IOException {
        assertThrows(IOException.class, () -> importer.importFile(dir.resolve("absent.conf")));
        IOException e = assertThrows(IOException.class,
                () -> importer.importFile(write("bad.conf", "[program:x]\ncommand=/bin/x\njust words\n")));
        assertTrue(e.getMessage().contains("bad.conf:3"), e.getMessage());
        e = assertThrows(IOException.class, () -> importer.importFile(write("bad2.conf", "command=/bin/x\n")));
        assertTrue(e.getMessage().contains("before any [section]"), e.getMessage());
    }

    @Test
    void shlexAndShellDetection() {
        assertEquals(List.of("a", "b c", "d\"e", "f\\g", "h i"), Shlex.split("a 'b c' \"d\\\"e\" \"f\\\\g\" h\\ i"));
        assertEquals(List.of("--rpc-cors=*", "x"), Shlex.split("--rpc-cors='*' x"));
        assertEquals(null, Shlex.shellSyntax("/usr/bin/x --a='b|c' \"d > e\" --url=http://h/p?q=1"));
        assertEquals("|", Shlex.shellSyntax("a | b"));
        assertEquals("&", Shlex.shellSyntax("a && b"));
        assertEquals("$H", Shlex.shellSyntax("a $HOME"));
        assertEquals("$H", Shlex.shellSyntax("a \"$HOME\""));
        assertEquals(null, Shlex.shellSyntax("a '$HOME' costs 5$"));
        assertEquals("`", Shlex.shellSyntax("a `date`"));
    }

    /**
     * environment= is read by supervisord's dict_of_key_value_pairs: a non-POSIX shlex (quotes open a
     * token only at its start and stay in it, a backslash is ordinary) and value.strip('\'"'). The
     * expected values are what supervisor 4.2's own function returns for each text.
     */
    @Test
    void environmentValuesAreWhatSupervisordsLexerMakesOfThem() throws IOException {
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("A=\"a,b\"", "a,b");
        expected.put("B='quoted \"x\"'", "quoted \"x");
        expected.put("C=\"--foo='bar'\"", "--foo='bar");
        expected.put("D=x\"y\"", "x\"y");
        expected.put("E=\"a\"b", "a");
        expected.put("F=\"a\\\"b\"", "a\\");
        expected.put("G=\"\"", "");
        expected.put("H='[\"*\"]'", "[\"*\"]");
        expected.put("I=\"'a'\"", "a");
        expected.put("K=\"x y\"  ,  L=z", "x y");
        expected.put("S=café", "caf"); // é is no word character: a token of its own, taken for the separator
        for (Map.Entry<String, String> e : expected.entrySet()) {
            ImportResult r = importer.importFile(write("env.conf", "[program:p]\ncommand=/bin/true\nenvironment=" + e.getKey() + "\n"));
            JsonNode env = r.config().path("programs").path("p").path("environment");
            assertEquals(e.getValue(), env.path(e.getKey().substring(0, 1)).asText("<missing>"), e.getKey() + " -> " + env);
        }
        for (String refused : List.of("J=a\\,b", "W=a=b", "Z=\"\"\"a\"\"\"")) {
            ImportResult r = importer.importFile(write("env.conf", "[program:p]\ncommand=/bin/true\nenvironment=" + refused + "\n"));
            assertTrue(r.failed() && !warningsFor(r, "program:p", "environment").isEmpty(), refused + ": " + r.warnings());
        }
    }

    /** supervisord expands [supervisord] environment= twice: a %% there is refused, a %%(ENV_X)s expanded. */
    @Test
    void theSupervisordSectionsEnvironmentIsExpandedTwiceAsSupervisordDoes() throws IOException {
        ImportResult refused = importer.importFile(write("twice.conf",
                "[supervisord]\nenvironment=PCT=\"100%%\"\n[program:p]\ncommand=/bin/true\n"));
        assertTrue(refused.failed() && !warningsFor(refused, "supervisord", "environment").isEmpty(), refused.warnings().toString());
        ImportResult r = importer.importFile(write("twice.conf",
                "[supervisord]\nenvironment=URL=\"%%(ENV_DB_URL)s\"\n[program:p]\ncommand=/bin/true\n"));
        assertEquals("postgres://db/app", r.config().path("programs").path("p").path("environment").path("URL").asText());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }
}
