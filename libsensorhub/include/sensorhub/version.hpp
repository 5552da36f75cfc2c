#pragma once

// Library version. The daemon reports it as "sensorhubd/<version>".
#define SENSORHUB_VERSION_MAJOR 0
#define SENSORHUB_VERSION_MINOR 1
#define SENSORHUB_VERSION_PATCH 0
#define SENSORHUB_VERSION "0.1.0"
