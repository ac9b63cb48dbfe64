package fetchcmd

const exeSuffix = ".exe"
