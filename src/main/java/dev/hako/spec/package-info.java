/**
 * The OCI runtime spec's {@code config.json} (versions 1.0 to 1.2) as records: read with
 * every invalid value named by its JSON path, and written back.
 */
package dev.hako.spec;
