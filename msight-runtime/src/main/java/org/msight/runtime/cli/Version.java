package org.msight.runtime.cli;

import picocli.CommandLine.IVersionProvider;

/** The runtime's version, from its jar manifest. */
public final class Version implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Version.class.getPackage().getImplementationVersion();
        return new String[] {"MSight runtime " + (version != null ? version : "(development build)")};
    }
}
