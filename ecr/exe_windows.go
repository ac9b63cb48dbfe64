package ecr

const exeSuffix = ".exe"
