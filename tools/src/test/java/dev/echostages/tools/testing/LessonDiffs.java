package dev.echostages.tools.testing;

import dev.echostages.tools.exercises.StarterGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Each stage's lesson, as a diff: its lesson file against the one of the stage it grows from,
 * written to {@code stageN-.../CHANGES.md} and summed up in a block of the stage's README. Both
 * are generated from the real files and checked like the README transcripts, so "the difference
 * is the lesson" stays a measured claim ({@code -Dreadme.update=true} rewrites them).
 *
 * <p>A plain line diff (longest common subsequence), printed as a unified diff with three lines of
 * context: what {@code git diff --no-index} shows, without needing git.
 */
public final class LessonDiffs {

    /**
     * One lesson: the stage's module, its lesson file, the file it grows from, and its key lines:
     * the README shows the diff around the first added line containing each of {@code keys}.
     */
    public record Lesson(String module, String file, String fromModule, String fromFile, List<String> keys) {
        Path path(Path root) {
            return root.resolve(module).resolve(file);
        }

        Path fromPath(Path root) {
            return root.resolve(fromModule).resolve(fromFile);
        }

        String name() {
            return file.substring(file.lastIndexOf('/') + 1);
        }

        String fromName() {
            return fromFile.substring(fromFile.lastIndexOf('/') + 1);
        }
    }

    private static final String MAIN = "src/main/java/dev/echostages/";

    /** The lessons of stages 2 to 5; stage 5's virtual-thread server retells stage 1's blocking code on a thread per client. */
    public static final List<Lesson> LESSONS = List.of(
            new Lesson("stage2-multiclient", MAIN + "stage2/MultiClientEchoServer.java",
                    "stage1-blocking", MAIN + "stage1/BlockingEchoServer.java",
                    List.of("serveOne(each.socket(), each.framer())")),
            new Lesson("stage3-nonblocking-busyloop", MAIN + "stage3/BusyLoopEchoServer.java",
                    "stage2-multiclient", MAIN + "stage2/MultiClientEchoServer.java",
                    List.of("serveClient(connections.get(i))")),
            new Lesson("stage4-selector", MAIN + "stage4/SelectorEchoServer.java",
                    "stage3-nonblocking-busyloop", MAIN + "stage3/BusyLoopEchoServer.java",
                    List.of("selector.select(handler")),
            new Lesson("stage5-async", MAIN + "stage5/VirtualThreadEchoServer.java",
                    "stage1-blocking", MAIN + "stage1/BlockingEchoServer.java",
                    List.of("Thread.ofVirtual().start(")));

    private LessonDiffs() {
    }

    /** Insertions and deletions, as {@code git diff --numstat} counts them. */
    public record Stat(int insertions, int deletions) {
        public int changed() {
            return insertions + deletions;
        }

        @Override
        public String toString() {
            return changed() + " lines changed (" + insertions + " insertions, " + deletions + " deletions)";
        }
    }

    public static Stat stat(Lesson lesson, Path root) throws IOException {
        List<Edit> edits = diff(read(lesson.fromPath(root)), read(lesson.path(root)));
        int insertions = 0;
        int deletions = 0;
        for (Edit edit : edits) {
            insertions += edit.kind == '+' ? 1 : 0;
            deletions += edit.kind == '-' ? 1 : 0;
        }
        return new Stat(insertions, deletions);
    }

    /** The CHANGES.md of one stage module: every lesson of that module, its stat and its whole diff. */
    public static String changesFile(String module, Path root) throws IOException {
        var text = new StringBuilder("# What changed from the stage before: the lesson, as a diff\n\n");
        text.append("Generated from the source files by `LessonDiffsTest` (tools); do not edit. It is the answer to\n");
        text.append("this stage's exercise ([EXERCISE.md](EXERCISE.md)): read it after trying.\n");
        for (Lesson lesson : LESSONS) {
            if (!lesson.module().equals(module)) {
                continue;
            }
            List<Edit> edits = diff(read(lesson.fromPath(root)), read(lesson.path(root)));
            text.append("\n## ").append(lesson.fromName()).append(" → ").append(lesson.name()).append("\n\n");
            text.append("`").append(lesson.fromModule()).append('/').append(lesson.fromFile()).append("` → `")
                    .append(lesson.module()).append('/').append(lesson.file()).append("`: ")
                    .append(stat(lesson, root)).append(".\n\n");
            text.append("```diff\n").append(unified(edits)).append("```\n");
        }
        return text.toString();
    }

    /** The README block's body: per lesson of the module, its stat and the diff around its key lines. */
    public static String readmeBlock(String module, Path root) throws IOException {
        var text = new StringBuilder();
        for (Lesson lesson : LESSONS) {
            if (lesson.module().equals(module)) {
                text.append("`").append(lesson.fromName()).append("` → `").append(lesson.name()).append("`: ")
                        .append(stat(lesson, root)).append("; the key lines:\n\n```diff\n");
                List<Edit> edits = diff(read(lesson.fromPath(root)), read(lesson.path(root)));
                for (String key : lesson.keys()) {
                    int at = 0;
                    while (at < edits.size() && !(edits.get(at).kind == '+' && edits.get(at).line.contains(key))) {
                        at++;
                    }
                    if (at == edits.size()) {
                        throw new IllegalStateException(lesson.name() + " adds no line containing " + key);
                    }
                    text.append(hunk(edits, Math.max(0, at - KEY_BEFORE), Math.min(edits.size(), at + KEY_AFTER + 1)));
                }
                text.append("```\n");
            }
        }
        return text.toString();
    }

    /** Around a key line: this many diff lines before it and after it. */
    private static final int KEY_BEFORE = 5;
    private static final int KEY_AFTER = 3;

    /** The lesson file without its exercise markers (StarterGenerator's input, not the lesson). */
    private static List<String> read(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(line -> !StarterGenerator.isMarker(line)).toList();
    }

    /** One line of the diff: ' ' kept, '-' only in the old file, '+' only in the new one. */
    private record Edit(char kind, String line, int oldLine, int newLine) {
    }

    private static List<Edit> diff(List<String> before, List<String> after) {
        int n = before.size();
        int m = after.size();
        int[][] common = new int[n + 1][m + 1]; // common[i][j]: LCS length of before[i..] and after[j..]
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                common[i][j] = before.get(i).equals(after.get(j)) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<Edit> edits = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && before.get(i).equals(after.get(j))) {
                edits.add(new Edit(' ', before.get(i), i++, j++));
            } else if (i < n && (j == m || common[i + 1][j] >= common[i][j + 1])) {
                edits.add(new Edit('-', before.get(i), i++, j)); // deletions first, as git prints them
            } else {
                edits.add(new Edit('+', after.get(j), i, j++));
            }
        }
        return edits;
    }

    private static final int CONTEXT = 3;

    private static String unified(List<Edit> edits) {
        return String.join("", hunks(edits, CONTEXT));
    }

    /** The hunks of a unified diff with {@code context} unchanged lines around each change. */
    private static List<String> hunks(List<Edit> edits, int context) {
        List<String> hunks = new ArrayList<>();
        int index = 0;
        while (index < edits.size()) {
            if (edits.get(index).kind == ' ') {
                index++;
                continue;
            }
            int start = Math.max(0, index - context);
            int end = index;
            int lastChange = index;
            while (end < edits.size() && end - lastChange <= 2 * context) {
                if (edits.get(end).kind != ' ') {
                    lastChange = end;
                }
                end++;
            }
            end = Math.min(edits.size(), lastChange + context + 1);
            hunks.add(hunk(edits, start, end));
            index = end;
        }
        return hunks;
    }

    /** Edits {@code start} to {@code end} as one hunk of a unified diff, its header included. */
    private static String hunk(List<Edit> edits, int start, int end) {
        int oldCount = 0;
        int newCount = 0;
        for (int k = start; k < end; k++) {
            oldCount += edits.get(k).kind != '+' ? 1 : 0;
            newCount += edits.get(k).kind != '-' ? 1 : 0;
        }
        Edit first = edits.get(start);
        var text = new StringBuilder();
        text.append("@@ -").append(first.oldLine + 1).append(',').append(oldCount)
                .append(" +").append(first.newLine + 1).append(',').append(newCount).append(" @@\n");
        for (int k = start; k < end; k++) {
            text.append(edits.get(k).kind).append(edits.get(k).line).append('\n');
        }
        return text.toString();
    }
}
