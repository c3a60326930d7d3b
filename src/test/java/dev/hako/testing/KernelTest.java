package dev.hako.testing;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class that starts real containers: it fails (never skips) when not run as
 * root, and each test gets a timeout so that a hung container cannot hang the build.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequireRoot.class)
@Timeout(60)
public @interface KernelTest {
}
