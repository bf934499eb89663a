package org.msight.runtime.config;

import java.util.List;
import java.util.stream.Collectors;

/** A pipeline file that cannot run; every problem found is listed, not just the first, in line order. */
public final class PipelineConfigException extends Exception {

    private final List<ConfigProblem> problems;

    /**
     * @param problems in any order; they are kept in file and line order, each once (a block two
     *     parts read, such as msight.redis for a Redis bus and the registry, finds its problem twice)
     */
    public PipelineConfigException(List<ConfigProblem> problems) {
        this(problems.stream().distinct().sorted(ConfigProblem.IN_FILE_ORDER).toList(), true);
    }

    private PipelineConfigException(List<ConfigProblem> sorted, boolean unused) {
        super(sorted.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = sorted;
    }

    public PipelineConfigException(ConfigProblem problem) {
        this(List.of(problem));
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
