package org.msight.runtime.config;

import java.util.List;
import java.util.stream.Collectors;

/** A pipeline file that cannot run; every problem found is listed, not just the first. */
public final class PipelineConfigException extends Exception {

    private final List<ConfigProblem> problems;

    public PipelineConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public PipelineConfigException(ConfigProblem problem) {
        this(List.of(problem));
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
