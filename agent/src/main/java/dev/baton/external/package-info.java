/**
 * Copies of a program that run outside baton: processes that are not baton's descendants but run
 * the program's executable, and systemd units, enabled and not masked, that would start it. For a
 * validator engine two copies mean one key signing twice (slashing): Chainflip's engine packages
 * install and start their own units, so an operator who follows the upgrade guide while baton runs
 * the same binary gets exactly that. {@code check-config} reports every copy; {@code run} refuses to
 * start an engine or an exclusive program while one exists, unless the program says
 * {@code allow_external_copies = true}.
 */
package dev.baton.external;
