#pragma once
namespace asyncio { int source_chapter(); }
