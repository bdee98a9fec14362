# One INTERFACE target carries the warnings and Qt strictness defines every Paddock target uses.
add_library(paddock_options INTERFACE)
add_library(Paddock::options ALIAS paddock_options)
target_compile_features(paddock_options INTERFACE cxx_std_23)
target_compile_options(paddock_options INTERFACE
  -Wall -Wextra -Wpedantic -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual
  $<$<BOOL:${PADDOCK_WERROR}>:-Werror>)
target_compile_definitions(paddock_options INTERFACE
  QT_NO_CAST_FROM_ASCII
  QT_NO_CONTEXTLESS_CONNECT
  QT_USE_QSTRINGBUILDER
  QT_NO_URL_CAST_FROM_STRING
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_DISABLE_DEPRECATED_UP_TO=0x060800
  PADDOCK_VERSION="${PROJECT_VERSION}"
  PADDOCK_APP_ID="${PADDOCK_APP_ID}")
if(PADDOCK_SANITIZE)
  target_compile_options(paddock_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(paddock_options INTERFACE -fsanitize=address,undefined)
endif()
if(PADDOCK_FUZZ)
  # Coverage feedback from everything the fuzz targets reach, not only the targets themselves.
  target_compile_options(paddock_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
