package io.palimpsest.worker.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStorageTest {

    @TempDir
    Path dir;

    @Test
    void createIfAbsentHasExactlyOneWinnerUnderARace() throws Exception {
        FileStorage storage = new FileStorage(dir);
        for (int round = 0; round < 20; round++) {
            String key = "receipts/r" + round + ".json";
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> attempts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] content = ("writer-" + i).getBytes(StandardCharsets.UTF_8);
                attempts.add(pool.submit((Callable<Boolean>) () -> {
                    go.await();
                    return storage.createIfAbsent(key, content);
                }));
            }
            go.countDown();
            int winners = 0;
            for (Future<Boolean> attempt : attempts) {
                winners += attempt.get() ? 1 : 0;
            }
            pool.shutdown();
            assertEquals(1, winners, "round " + round);
            assertTrue(new String(storage.readAll(key), StandardCharsets.UTF_8).startsWith("writer-"));
        }
        assertTrue(
                storage.list("receipts").stream().noneMatch(o -> o.key().contains(".tmp-")),
                "no temp files left behind");
    }

    @Test
    void concatenateAndListSkipTempFiles() throws IOException {
        FileStorage storage = new FileStorage(dir);
        storage.put("parts/a", "one,".getBytes(StandardCharsets.UTF_8));
        storage.put("parts/b", "two".getBytes(StandardCharsets.UTF_8));
        storage.concatenate(List.of("parts/a", "parts/b"), "out/joined");
        assertEquals("one,two", new String(storage.readAll("out/joined"), StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("parts/.tmp-leftover"), "x");
        assertEquals(
                List.of("parts/a", "parts/b"),
                storage.list("parts").stream().map(StoredObject::key).toList());
        storage.deleteAll("parts");
        assertFalse(Files.exists(dir.resolve("parts")));
    }

    @Test
    void keysCannotEscapeTheRoot() {
        FileStorage storage = new FileStorage(dir.resolve("root"));
        assertThrows(IllegalArgumentException.class, () -> storage.exists("../outside"));
    }

    @Test
    void anInputUriMayNameASingleFileOrAPvcPath() throws IOException {
        Files.createDirectories(dir.resolve("claims/corpus/en"));
        Files.writeString(dir.resolve("claims/corpus/en/a.jsonl"), "{}");
        StorageResolver resolver = new StorageResolver(dir.resolve("claims"), () -> {
            throw new IllegalStateException("no s3 here");
        });
        InputRoot single = resolver.openInput(
                dir.resolve("claims/corpus/en/a.jsonl").toUri().toString());
        assertEquals(Optional.of("a.jsonl"), single.singleKey());
        InputRoot pvc = resolver.openInput("pvc://corpus/en");
        assertEquals(
                List.of(new StoredObject("a.jsonl", 2)),
                keysAndSizes(pvc.storage().list("")));
    }

    @Test
    void globsMatchNamesAnywhereOrWholePaths() {
        KeyFilter names = new KeyFilter(List.of("*.jsonl", "*.jsonl.zst"), List.of("*-test.*"));
        assertTrue(names.test("a/b/c.jsonl"));
        assertTrue(names.test("c.jsonl.zst"));
        assertFalse(names.test("a/c-test.jsonl"));
        assertFalse(names.test("_palimpsest/manifest.jsonl"));
        assertFalse(names.test("a/.hidden.jsonl"));
        KeyFilter paths = new KeyFilter(List.of("2024/**"), List.of());
        assertTrue(paths.test("2024/01/x.parquet"));
        assertFalse(paths.test("2023/01/x.parquet"));
    }

    @Test
    void symbolicLinksToFilesAndFoldersAreListedUnderTheirNames() throws IOException {
        Path outside = dir.resolve("outside");
        Files.createDirectories(outside.resolve("shelf"));
        Files.writeString(outside.resolve("b.jsonl"), "bb");
        Files.writeString(outside.resolve("shelf/c.jsonl"), "ccc");
        Path root = dir.resolve("corpus");
        Files.createDirectories(root);
        Files.writeString(root.resolve("a.jsonl"), "a");
        Files.createSymbolicLink(root.resolve("linked.jsonl"), outside.resolve("b.jsonl"));
        Files.createSymbolicLink(root.resolve("shelf"), outside.resolve("shelf"));
        Files.createSymbolicLink(root.resolve("gone.jsonl"), outside.resolve("no-such-file"));

        assertEquals(
                List.of(
                        new StoredObject("a.jsonl", 1),
                        new StoredObject("linked.jsonl", 2),
                        new StoredObject("shelf/c.jsonl", 3)),
                keysAndSizes(new FileStorage(root).list("")),
                "a link to nothing holds no input");
    }

    @Test
    void anInputUriThatIsALinkToAFolderIsThatFolder() throws IOException {
        Files.createDirectories(dir.resolve("real"));
        Files.writeString(dir.resolve("real/a.jsonl"), "{}");
        Path link = Files.createSymbolicLink(dir.resolve("current"), dir.resolve("real"));

        InputRoot input = StorageResolver.localOnly().openInput(link.toUri().toString());

        assertEquals(Optional.empty(), input.singleKey());
        assertEquals(
                List.of(new StoredObject("a.jsonl", 2)),
                keysAndSizes(input.storage().list("")));
    }

    @Test
    void aLinkBackToAnEnclosingFolderIsListedOnceWithoutLooping() throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("a.jsonl"), "a");
        Files.writeString(dir.resolve("sub/b.jsonl"), "b");
        Files.createSymbolicLink(dir.resolve("sub/up"), dir);

        assertEquals(
                List.of(new StoredObject("a.jsonl", 1), new StoredObject("sub/b.jsonl", 1)),
                keysAndSizes(new FileStorage(dir).list("")));
    }

    @Test
    void deletingAFolderDeletesALinkInItButNotWhatItPointsTo() throws IOException {
        Files.createDirectories(dir.resolve("keep"));
        Files.writeString(dir.resolve("keep/precious.jsonl"), "x");
        FileStorage storage = new FileStorage(dir.resolve("out"));
        storage.put("tmp/part.jsonl", "p".getBytes(StandardCharsets.UTF_8));
        Files.createSymbolicLink(dir.resolve("out/tmp/keep"), dir.resolve("keep"));

        storage.deleteAll("tmp/");

        assertFalse(Files.exists(dir.resolve("out/tmp")));
        assertTrue(Files.exists(dir.resolve("keep/precious.jsonl")));
    }

    @Test
    void aDoubleStarFolderMatchesZeroOrMoreFolders() {
        KeyFilter anywhere = new KeyFilter(List.of("**/*.jsonl"), List.of());
        assertTrue(anywhere.test("a.jsonl"), "a top-level file");
        assertTrue(anywhere.test("x/a.jsonl"));
        assertTrue(anywhere.test("x/y/a.jsonl"));
        assertFalse(anywhere.test("x/a.jsonl.zst"));

        KeyFilter under = new KeyFilter(List.of("web/**/part-*.jsonl.zst"), List.of("**/tmp/**"));
        assertTrue(under.test("web/part-0.jsonl.zst"));
        assertTrue(under.test("web/2024/01/part-0.jsonl.zst"));
        assertFalse(under.test("books/part-0.jsonl.zst"));
        assertFalse(under.test("web/tmp/part-0.jsonl.zst"), "excluded at the first level too");
        assertFalse(under.test("web/x/tmp/part-0.jsonl.zst"));

        KeyFilter twice = new KeyFilter(List.of("**/en/**/*.jsonl"), List.of());
        assertTrue(twice.test("en/a.jsonl"));
        assertTrue(twice.test("crawl/en/2024/a.jsonl"));
        assertFalse(twice.test("crawl/de/a.jsonl"));
        assertFalse(new KeyFilter(List.of("x**/*.jsonl"), List.of()).test("a.jsonl"), "x**/ is not a folder segment");
    }

    /**
     * A file's version is its last-modified time and inode, as the listing and a stat give it, links followed: a
     * rewrite in place moves the time, a file renamed over it (or a link pointed elsewhere) brings another inode.
     */
    @Test
    void aFilesVersionIsItsTimeAndInodeAsTheListingAndAStatGiveIt() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("unix"), "inodes on this system");
        Path root = dir.resolve("versions");
        Files.createDirectories(root);
        Path file = Files.writeString(root.resolve("a.jsonl"), "aa");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-02T03:04:05.123456Z")));
        FileStorage storage = new FileStorage(root);

        StoredObject listed = storage.list("").get(0);

        assertEquals(
                "mtime 2026-01-02T03:04:05.123456Z inode " + Files.getAttribute(file, "unix:ino"), listed.version());
        assertEquals(listed, storage.stat("a.jsonl"));
        assertEquals(List.of(listed), storage.list("a.jsonl"), "a listing of the file alone");

        Files.writeString(file, "bb");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-02T03:04:06Z")));
        assertEquals(
                "mtime 2026-01-02T03:04:06Z inode " + Files.getAttribute(file, "unix:ino"),
                storage.stat("a.jsonl").version(),
                "rewritten in place: the same inode, another time");

        Path other = Files.writeString(root.resolve("b.jsonl"), "cc");
        Files.setLastModifiedTime(other, FileTime.from(Instant.parse("2026-01-02T03:04:06Z")));
        Files.createSymbolicLink(root.resolve("link.jsonl"), file);
        String throughTheLink = storage.stat("link.jsonl").version();
        assertEquals(storage.stat("a.jsonl").version(), throughTheLink, "a link is its target's version");
        Files.move(other, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertNotEquals(throughTheLink, storage.stat("link.jsonl").version(), "renamed over: another inode");
    }

    /**
     * File systems that number files as they are looked at (one file, another number in each pod mounting the claim)
     * give no inode to a version, or every shard would fail; those that keep numbers of their own do.
     */
    @Test
    void inodesAreLeftOutOfVersionsWhereEachMountNumbersFilesItself() {
        for (String madeUp : List.of("fuse", "fuse.gcsfuse", "fuse.mountpoint-s3", "fuse.blobfuse2", "cifs", "smb3")) {
            assertTrue(FileStorage.inodesMadePerMount(madeUp), madeUp);
        }
        for (String own : List.of("ext4", "xfs", "nfs", "nfs4", "ceph", "btrfs", "zfs", "tmpfs", "overlay", "apfs")) {
            assertFalse(FileStorage.inodesMadePerMount(own), own);
        }
    }

    private static List<StoredObject> keysAndSizes(List<StoredObject> listed) {
        return listed.stream().map(o -> new StoredObject(o.key(), o.size())).toList();
    }
}
