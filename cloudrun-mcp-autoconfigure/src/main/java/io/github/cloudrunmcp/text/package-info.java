/**
 * Text from servers made safe to print: control characters escaped, length bounded. Needs
 * nothing but the JDK.
 */
@NullMarked
package io.github.cloudrunmcp.text;

import org.jspecify.annotations.NullMarked;
