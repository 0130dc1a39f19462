package io.vexfs.core.control;

import io.vexfs.core.codec.InvalidInputException;
import io.vexfs.core.fs.ControlFile;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;

/**
 * .vexfs/profile: a JDK Flight Recorder recording inside the mount process. Write
 * "start SECONDS" or "stop"; read the state and the file of the last recording, which
 * vexctl profile analyze reads with jdk.jfr.consumer.
 */
public final class Profiler implements ControlFile.Writer {
    private static final int MAX_SECONDS = 3600;

    private final Path directory;
    private Recording recording;
    private Path lastFile;
    private Instant startedAt;

    public Profiler(Path directory) {
        this.directory = directory;
    }

    public synchronized String render() {
        StringBuilder sb = new StringBuilder();
        boolean running = recording != null && recording.getState() == RecordingState.RUNNING;
        sb.append("state ").append(running ? "recording" : "idle").append('\n');
        if (running) {
            sb.append("started ").append(startedAt).append('\n');
            sb.append("duration ").append(recording.getDuration().toSeconds()).append('\n');
        }
        Path done = running ? lastFile : currentOrLast();
        if (done != null && Files.exists(done)) {
            sb.append("file ").append(done.toAbsolutePath()).append('\n');
        }
        return sb.toString();
    }

    private Path currentOrLast() {
        if (recording != null && recording.getState() == RecordingState.CLOSED) {
            lastFile = recording.getDestination();
            recording = null;
        } else if (recording != null && recording.getState() == RecordingState.STOPPED) {
            lastFile = recording.getDestination();
            recording.close();
            recording = null;
        }
        return lastFile;
    }

    /** "start SECONDS" or "stop"; {@code seconds} is 0 for stop. */
    private record Command(int seconds, String where) {
    }

    @Override
    public void checkLine(String line, int number) throws InvalidInputException {
        parse(line, number);
    }

    /** Runs the one command of {@code text}; blank lines around it are fine. */
    @Override
    public synchronized void write(String text) throws InvalidInputException {
        String[] lines = text.split("\n", -1);
        Command command = null;
        for (int i = 0; i < lines.length; i++) {
            Command c = parse(lines[i], i + 1);
            if (c != null && command != null) {
                throw new InvalidInputException(c.where(), "one command at a time: 'start SECONDS' or 'stop'");
            }
            command = c != null ? c : command;
        }
        if (command == null) {
            throw new InvalidInputException("line 1", "expected 'start SECONDS' or 'stop', got nothing");
        }
        if (command.seconds() == 0) {
            if (recording == null || recording.getState() != RecordingState.RUNNING) {
                throw new InvalidInputException(command.where(), "no recording is running");
            }
            recording.stop();
            currentOrLast();
            return;
        }
        start(command);
    }

    /** One line; null when blank. */
    private static Command parse(String raw, int number) throws InvalidInputException {
        String line = raw.strip();
        String where = "line " + number;
        if (line.isEmpty()) {
            return null;
        }
        if (line.equals("stop")) {
            return new Command(0, where);
        }
        String[] words = line.split("\\s+");
        if (words.length != 2 || !words[0].equals("start")) {
            throw new InvalidInputException(where, "expected 'start SECONDS' or 'stop', got '" + line + "'");
        }
        int seconds;
        try {
            seconds = Integer.parseInt(words[1]);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where, "'" + words[1] + "' is not a whole number of seconds");
        }
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new InvalidInputException(where, "duration must be 1.." + MAX_SECONDS + " seconds");
        }
        return new Command(seconds, where);
    }

    private void start(Command command) throws InvalidInputException {
        int seconds = command.seconds();
        if (recording != null && recording.getState() == RecordingState.RUNNING) {
            throw new InvalidInputException(command.where(), "a recording is already running; write 'stop' first");
        }
        currentOrLast();
        try {
            Files.createDirectories(directory);
            Recording r = new Recording(Configuration.getConfiguration("profile"));
            r.setName("vexfs");
            r.setDuration(Duration.ofSeconds(seconds));
            r.setDestination(directory.resolve("vexfs-" + System.currentTimeMillis() + ".jfr"));
            r.start();
            recording = r;
            startedAt = Instant.now();
        } catch (IOException | ParseException e) {
            throw new InvalidInputException(command.where(), "cannot start a recording: " + e.getMessage());
        }
    }
}
