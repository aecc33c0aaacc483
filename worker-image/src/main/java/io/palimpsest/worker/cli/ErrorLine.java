package io.palimpsest.worker.cli;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The one line a command's failure prints after {@code palimpsest <command>:}. The JDK's file errors
 * carry only a path as their message ({@code NoSuchFileException: /x/y}); they are given the words
 * that say what is wrong with it.
 */
final class ErrorLine {

    private ErrorLine() {}

    static String of(Throwable e) {
        Throwable cause = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof FileSystemException f && f.getReason() == null && f.getFile() != null) {
            String file = f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
            if (f instanceof NoSuchFileException) {
                return file + " does not exist";
            }
            if (f instanceof AccessDeniedException) {
                return file + ": permission denied";
            }
            if (f instanceof FileAlreadyExistsException) {
                return file + " already exists";
            }
            if (f instanceof NotDirectoryException) {
                return file + " is not a folder";
            }
            return file + ": cannot be used (" + f.getClass().getSimpleName() + ")";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.toString() : message;
    }
}
