__version__ = "0.1.0"

import warnings
# fastai (imported by several modules) scripts a layer with torch.jit at import time, which this torch deprecates:
# the warning is about fastai's code, not the user's, so it is not shown on every `gmfpt` command.
warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated', category=FutureWarning)
