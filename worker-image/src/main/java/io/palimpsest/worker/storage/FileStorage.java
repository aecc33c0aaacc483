package io.palimpsest.worker.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A directory on a local or mounted file system (a PVC is one). Atomicity comes from POSIX: data is
 * written to a temporary name in the target directory, fsynced, then renamed (replace) or
 * hard-linked (create-if-absent: {@code link(2)} fails when the name exists, so exactly one of
 * several racing writers wins). The directory is fsynced after, so a crash cannot forget a commit.
 */
public final class FileStorage implements Storage {

    private static final Logger LOG = Logger.getLogger(FileStorage.class.getName());
    private static final String TEMP_PREFIX = ".tmp-";
    private final Path root;
    /** Whether the versions of files on a device include their inode ({@link #inodesMadePerMount}). */
    private final Map<Object, Boolean> inodesKeptByDevice = new ConcurrentHashMap<>();

    public FileStorage(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        Path start = resolve(prefix);
        if (!Files.exists(start)) {
            return List.of();
        }
        if (Files.isRegularFile(start)) {
            return List.of(stat(prefix));
        }
        List<StoredObject> found = new ArrayList<>();
        // Symbolic links are followed: a corpus assembled from links to files or folders (a common PVC
        // layout) is listed under the links' names, as a reader of the folder sees it.
        Files.walkFileTree(
                start, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                        if (attributes.isRegularFile()
                                && !file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                            try {
                                found.add(stat(keyOf(file), file));
                            } catch (NoSuchFileException gone) {
                                // renamed or removed since the walk met it, as below
                            }
                        } else if (attributes.isSymbolicLink()) {
                            LOG.warning("listing " + describe() + ": " + keyOf(file)
                                    + " is a symbolic link to nothing (its target does not exist); it holds no input");
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                        // another writer renamed or removed it while we listed: it is simply not there
                        if (failure instanceof NoSuchFileException) {
                            return FileVisitResult.CONTINUE;
                        }
                        if (failure instanceof FileSystemLoopException) {
                            // a link to a folder the walk is inside of: everything it leads to is listed once, under
                            // that folder's own path, so nothing is lost by not entering it again
                            LOG.warning("listing " + describe() + ": " + keyOf(file)
                                    + " is a symbolic link back to a folder"
                                    + " that contains it (a loop); its files are listed once, under that folder");
                            return FileVisitResult.CONTINUE;
                        }
                        throw failure;
                    }
                });
        found.sort(Comparator.comparing(StoredObject::key));
        return found;
    }

    /**
     * The folder's entries by name; a sub-folder counts once it holds a file, looked for until the first
     * (links followed, as {@link #list} does). A sub-folder that cannot be read counts, since what it holds
     * is not known, except the file system's own {@code lost+found} (at the root of a volume).
     */
    @Override
    public List<String> firstNames(String folder, int atMost, Predicate<String> counted) throws IOException {
        Path dir = resolve(folder);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> entries;
        try (Stream<Path> listed = Files.list(dir)) {
            entries = listed.sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
        List<String> names = new ArrayList<>();
        for (Path entry : entries) {
            if (names.size() >= atMost) {
                break;
            }
            String name = entry.getFileName().toString();
            if (Files.isDirectory(entry)) {
                if (counted.test(name + "/") && holdsAFile(entry, name)) {
                    names.add(name + "/");
                }
            } else if (Files.isRegularFile(entry) && counted.test(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private static boolean holdsAFile(Path folder, String name) {
        try (Stream<Path> below = Files.walk(folder, FileVisitOption.FOLLOW_LINKS)) {
            return below.anyMatch(Files::isRegularFile);
        } catch (IOException | UncheckedIOException unreadable) {
            return !name.equals("lost+found");
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        return Files.newInputStream(resolve(key));
    }

    @Override
    public long size(String key) throws IOException {
        return Files.size(resolve(key));
    }

    /**
     * The file's size and version: its last-modified time and, where the file system gives inode numbers of its
     * own, its inode, read at once (one {@code stat}), links followed ({@link ObjectVersions#file}).
     */
    @Override
    public StoredObject stat(String key) throws IOException {
        return stat(key, resolve(key));
    }

    private StoredObject stat(String key, Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            Map<String, Object> attributes = Files.readAttributes(file, "unix:size,lastModifiedTime,ino,dev");
            Object inode = inodesKept(attributes.get("dev"), file) ? attributes.get("ino") : null;
            return new StoredObject(
                    key,
                    (Long) attributes.get("size"),
                    ObjectVersions.file((FileTime) attributes.get("lastModifiedTime"), inode));
        }
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new StoredObject(key, attributes.size(), ObjectVersions.file(attributes.lastModifiedTime(), null));
    }

    /**
     * Whether the file system of {@code file} (on {@code device}, looked at once a device) gives inode numbers of its
     * own, which then are part of its files' versions. Decided for each file's own file system, not the root's: a
     * link may lead to another mount, and the planner and a worker must word one file's version alike.
     */
    private boolean inodesKept(Object device, Path file) throws IOException {
        Boolean known = inodesKeptByDevice.get(device);
        if (known == null) {
            known = !inodesMadePerMount(Files.getFileStore(file).type());
            inodesKeptByDevice.put(device, known);
        }
        return known;
    }

    /**
     * Whether a file system of this type (as {@code /proc/mounts} names it) makes its inode numbers up as files are
     * looked at, so that one file has another number in another pod mounting the same claim: object storage through
     * FUSE (gcsfuse, mountpoint-s3, blobfuse2, s3fs) and SMB shares (Azure Files; a share mounted {@code noserverino}
     * numbers files on the client). There a file's version is its time alone, so every shard is not failed for
     * numbers that never named the file.
     */
    static boolean inodesMadePerMount(String type) {
        return type.equals("fuse") || type.startsWith("fuse.") || type.equals("cifs") || type.startsWith("smb");
    }

    @Override
    public InputStream openRange(String key, long start, long endExclusive) throws IOException {
        FileChannel channel = FileChannel.open(resolve(key), StandardOpenOption.READ);
        channel.position(start);
        return new BoundedInputStream(Channels.newInputStream(channel), endExclusive - start);
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(resolve(key));
    }

    @Override
    public void put(String key, Path localFile) throws IOException {
        Path target = resolve(key);
        Path temp = tempBeside(target);
        try {
            Files.copy(localFile, temp, StandardCopyOption.REPLACE_EXISTING);
            fsync(temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsync(target.getParent());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void put(String key, byte[] content) throws IOException {
        Path target = resolve(key);
        Path temp = writeTemp(target, content);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsync(target.getParent());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public boolean createIfAbsent(String key, byte[] content) throws IOException {
        Path target = resolve(key);
        if (Files.exists(target)) {
            return false;
        }
        Path temp = writeTemp(target, content);
        try {
            link(target, temp);
            fsync(target.getParent());
            return true;
        } catch (FileAlreadyExistsException lostTheRace) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Links {@code target} to {@code temp}, just written beside it: a refusal that is not about the target existing,
     * the folder's permission or a file gone is the file system's refusal of hard links (EPERM, EOPNOTSUPP, ENOSYS on
     * Linux, or a provider that makes none), and says so, with the file system's words.
     */
    private void link(Path target, Path temp) throws IOException {
        try {
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException | AccessDeniedException | NoSuchFileException e) {
            throw e;
        } catch (FileSystemException | UnsupportedOperationException e) {
            String folder = keyOf(target.getParent());
            throw new HardLinksRefusedException(
                    folder.isEmpty() ? "" : folder + "/",
                    "could not create " + target + ": the file system refused a hard link to " + temp.getFileName()
                            + " beside it (" + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
                    e);
        }
    }

    @Override
    public void concatenate(List<String> partKeys, String targetKey) throws IOException {
        Path target = resolve(targetKey);
        Files.createDirectories(target.getParent());
        Path temp = tempBeside(target);
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (String part : partKeys) {
                    try (FileChannel in = FileChannel.open(resolve(part), StandardOpenOption.READ)) {
                        long size = in.size();
                        long copied = 0;
                        while (copied < size) {
                            copied += in.transferTo(copied, size - copied, out);
                        }
                    }
                }
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsync(target.getParent());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(resolve(key));
    }

    @Override
    public void deleteTemporaries(String key) throws IOException {
        Path target = resolve(key);
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
            return;
        }
        String prefix = TEMP_PREFIX + target.getFileName() + "-";
        try (Stream<Path> siblings = Files.list(dir)) {
            for (Path sibling : (Iterable<Path>) siblings::iterator) {
                if (sibling.getFileName().toString().startsWith(prefix)) {
                    Files.deleteIfExists(sibling);
                }
            }
        } catch (NoSuchFileException alreadyGone) {
            // a twin removed the folder meanwhile
        } catch (UncheckedIOException listing) {
            if (!(listing.getCause() instanceof NoSuchFileException)) {
                throw listing.getCause();
            }
        }
    }

    /** Deletes the files and folders under {@code prefix}; a symbolic link is deleted, never what it points to. */
    @Override
    public void deleteAll(String prefix) throws IOException {
        Path dir = resolve(prefix);
        if (Files.isRegularFile(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(dir);
        } else if (Files.isDirectory(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                    try {
                        Files.deleteIfExists(path);
                    } catch (DirectoryNotEmptyException stillInUse) {
                        // a concurrent writer added a file; its owner will clean up
                    }
                }
            } catch (NoSuchFileException alreadyGone) {
                // someone else cleaned up first
            } catch (UncheckedIOException walking) {
                // the walk met a folder a twin deleted meanwhile: what is gone is what this was to delete
                if (!(walking.getCause() instanceof NoSuchFileException)) {
                    throw walking.getCause();
                }
            }
        }
    }

    private Path resolve(String key) {
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root)) {
            throw new IllegalArgumentException("key '" + key + "' escapes the storage root " + root);
        }
        return path;
    }

    private String keyOf(Path file) {
        return root.relativize(file).toString().replace('\\', '/');
    }

    private Path tempBeside(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        return target.resolveSibling(TEMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
    }

    private Path writeTemp(Path target, byte[] content) throws IOException {
        Path temp = tempBeside(target);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                OutputStream out = Channels.newOutputStream(channel)) {
            out.write(content);
            out.flush();
            channel.force(true);
        }
        return temp;
    }

    private static void fsync(Path path) throws IOException {
        boolean directory = Files.isDirectory(path);
        try (FileChannel channel =
                FileChannel.open(path, directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException unsupported) {
            if (!directory) {
                throw unsupported;
            }
            // some file systems refuse to open directories for fsync; rename is still atomic there
        }
    }
}
