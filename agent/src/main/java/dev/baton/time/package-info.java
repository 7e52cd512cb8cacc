/** How baton writes times for people and scripts: {@link dev.baton.time.Timestamps}. Depends on nothing. */
package dev.baton.time;
