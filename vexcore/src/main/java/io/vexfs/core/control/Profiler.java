package io.vexfs.core.control;

import io.vexfs.core.codec.InvalidInputException;
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
public final class Profiler {
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

    public synchronized void apply(String text) throws InvalidInputException {
        String command = text.strip();
        if (command.equals("stop")) {
            if (recording == null || recording.getState() != RecordingState.RUNNING) {
                throw new InvalidInputException("line 1", "no recording is running");
            }
            recording.stop();
            currentOrLast();
            return;
        }
        String[] words = command.split("\\s+");
        if (words.length != 2 || !words[0].equals("start")) {
            throw new InvalidInputException("line 1", "expected 'start SECONDS' or 'stop', got '" + command + "'");
        }
        int seconds;
        try {
            seconds = Integer.parseInt(words[1]);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("line 1", "'" + words[1] + "' is not a whole number of seconds");
        }
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw new InvalidInputException("line 1", "duration must be 1.." + MAX_SECONDS + " seconds");
        }
        if (recording != null && recording.getState() == RecordingState.RUNNING) {
            throw new InvalidInputException("line 1", "a recording is already running; write 'stop' first");
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
            throw new InvalidInputException("line 1", "cannot start a recording: " + e.getMessage());
        }
    }
}
